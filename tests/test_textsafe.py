"""The rules that make student text inert: CSV cells, Markdown, terminals."""

import pytest
from markdown_it import MarkdownIt

from grader.report.textsafe import csv_cell, md_block, md_code, md_message, md_text, one_line, plain

HOSTILE = ["```", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
           "[link](javascript:alert(1))", "# heading", "a\n\n# b\n- c", "| x | y |", "`a``b`",
           "*em* _em_ ~~s~~ \\", "&lt;b&gt; &amp;", "![i](x.png)", "<https://evil.example>"]
md = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def inline_tokens(text: str) -> list[str]:
    """The kinds of inline token text renders to, inside one paragraph."""
    (_, inline, _) = md.parse(f"x {text}")
    return [t.type for t in inline.children or []]


@pytest.mark.parametrize(("cell", "expected"), [
    ("=1+1", "'=1+1"), ("@SUM(2+2)", "'@SUM(2+2)"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-0.5", "-0.5"), ("-3", "-3"), ("+1", "+1"),
    ("1.5", "1.5"), ("alice", "alice"), ("", ""), ("a=b", "a=b"),
])
def test_csv_cells_never_start_a_formula(cell, expected):
    assert csv_cell(cell) == expected


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_renders_as_the_same_characters_and_nothing_else(text):
    (_, inline, _) = md.parse(f"x {md_text(text)}")
    assert [t.type for t in inline.children or []] == ["text"]
    assert inline.children[0].content == "x " + one_line(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_md_code_is_one_code_span_holding_the_text(text):
    (_, inline, _) = md.parse(f"x {md_code(text)}")
    assert [t.type for t in inline.children or []] == ["text", "code_inline"]
    assert inline.children[1].content == one_line(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_md_message_keeps_grader_code_spans_and_nothing_student_made(text):
    message = f"`answer`: got {text}, expected `3`"
    kinds = set(inline_tokens(md_message(message)))
    assert kinds <= {"text", "code_inline"}
    html = md.render(md_message(message))
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<h1" not in html


@pytest.mark.parametrize("text", [*HOSTILE, "````\n~~~~~\n```", "x\r# not a heading\r\n```"])
def test_md_block_is_one_code_block_holding_the_text(text):
    tokens = md.parse("\n".join(md_block(text)))
    assert [t.type for t in tokens] == ["fence"]
    assert tokens[0].content == plain(text) + "\n"


def test_plain_strips_escapes_controls_and_bidi_overrides():
    hostile = "a\x1b]0;pwned\x07b\x1b[2Jc\x1b[31md\u202ee\u2066f\x00g\x9b1mh\r\ni\x1bPq\x1b\\j"
    assert plain(hostile) == "abcdefg1mh\nij"
    assert plain("tab\tand\nnewline") == "tab\tand\nnewline"
    assert one_line(" a\n\tb\x1b[2K  c ") == "a b c"
