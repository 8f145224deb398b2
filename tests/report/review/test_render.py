"""A located answer as HTML: student markdown, code, outputs and figures shown inert and bounded."""

from __future__ import annotations

from grader.report.located import Located, LocatedBlock
from grader.report.review.render import MAX_BLOCKS, MAX_CHARS, MAX_IMAGES, located_html
from tests.report.review.conftest import PNG


def _one(kind: str, text: str = "", png: str | None = None) -> str:
    located = Located(how="tag", detail="cells tagged grader:x",
                      blocks=[LocatedBlock(kind=kind, cell=1, text=text, png_base64=png)])  # type: ignore[arg-type]
    return str(located_html(located))


def test_markdown_is_rendered_without_html_scripts_or_dangerous_links() -> None:
    html = _one("markdown", "**bold** <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
                            "[click](javascript:alert(1)) [data](data:text/html,<b>x</b>) [ok](https://example.org)"
                            " ![remote](https://evil.example/pixel.png)")
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "<img src=x" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert 'href="https://example.org"' in html
    assert "<img" not in html  # images off: a page never fetches from elsewhere


def test_code_and_outputs_are_escaped_text() -> None:
    code = _one("code", "x = '</code></pre><script>alert(1)</script>'")
    assert "<script>" not in code and "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;" in code
    out = _one("output", "\x1b[31m<b>red</b>")
    assert "<b>" not in out and "&lt;b&gt;red" in out


def test_sizes_are_bounded_and_cuts_marked() -> None:
    huge = _one("markdown", "a" * (MAX_CHARS * 5))
    assert len(huge) < MAX_CHARS * 2 and "cut to the size bound" in huge
    many = Located(how="heading", detail="under 1.1",
                   blocks=[LocatedBlock(kind="image", cell=i, png_base64=PNG) for i in range(1000)])
    html = str(located_html(many))
    assert html.count("<img") == MAX_IMAGES and f"{1000 - MAX_IMAGES} more block(s)" in html
    texts = Located(how="heading", detail="x", blocks=[LocatedBlock(kind="code", cell=i, text="x")
                                                         for i in range(500)])
    assert str(located_html(texts)).count("<pre>") == MAX_BLOCKS


def test_a_figure_that_is_not_base64_is_not_put_in_a_data_uri() -> None:
    html = _one("image", png='x" onerror="alert(1)')
    assert "<img" not in html and 'onerror="' not in html and "cut to the size bound" in html


def test_how_it_was_located_flags_and_the_notebook_link() -> None:
    located = Located(how="not_located", detail="no cell tagged, no heading <b>1.4</b>",
                      flags=["two cells claim <i>1.4-c</i>"])
    html = str(located_html(located, "../a%20b/submission.html"))
    assert "no cell tagged, no heading &lt;b&gt;1.4&lt;/b&gt;" in html
    assert "⚠ two cells claim &lt;i&gt;" in html
    assert 'href="../a%20b/submission.html"' in html
    assert "No answer recorded" in str(located_html(None))
    bare = Located(how="not_located", detail="", omitted=3,
                   blocks=[LocatedBlock(kind="code", cell=1, text="x")])
    assert "not located" in str(located_html(bare)) and "3 more block(s)" in str(located_html(bare))
