"""The static page's Save as CSV button, run in headless Chromium (Debian's) from file://: the CSV
it downloads is the one Python writes for the same scores, and apply-overrides takes it."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import pytest

from grader.report import ScoreReport
from grader.report.located import Located, LocatedBlock, answer_digest
from grader.report.overrides import apply_overrides, overrides_text
from grader.report.review.pages import point_views, write_review
from tests.report.review.conftest import tagged

DOCS = Path(__file__).resolve().parents[3] / "docs"
pytestmark = pytest.mark.browser


def _page(browser: Any, url: str, problems: list[str]) -> Any:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.goto(url)
    return page


def test_the_csv_button_writes_what_apply_overrides_reads(browser: Any, graded) -> None:
    sheet, out = graded({"alice": tagged("(a) re-init <script>alert(1)</script>"),
                         "bob": tagged("(A) Re-init <script>alert(1)</script>"),
                         "carol_wrong_gradient": tagged("(a) no idea [x](javascript:alert(1))")})
    write_review(sheet, out)
    problems: list[str] = []
    page = _page(browser, (out / "review" / "1.1-1.1-a-to-e.html").as_uri(), problems)
    view = point_views(sheet, out)[0]
    group = {s: g for g in view.groups for s in g.students}
    pair, carol = group["alice"].id, group["carol_wrong_gradient"].id
    assert sorted(group["alice"].students) == ["alice", "bob"]
    page.fill(f'input[name="points-{pair}"]', "0.75")
    page.fill(f'textarea[name="comment-{pair}"]', '  (b) missing, "see" =SUM(1)\nline two ')
    page.fill(f'input[name="points-{carol}"]', "0")
    page.evaluate("document.getElementById('review-form').requestSubmit()")  # Enter, say: nothing is lost
    assert page.input_value(f'input[name="points-{pair}"]') == "0.75"
    with page.expect_download() as download:
        page.click("#save-csv")
    got = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "1.1-1.1-a-to-e.csv"
    comment = '(b) missing, "see" =SUM(1)\nline two'
    scores = {"alice": ("0.75", comment), "bob": ("0.75", comment), "carol_wrong_gradient": ("0", "")}
    assert got == overrides_text([[a.student, "1.1", "1.1-a-to-e", "1", *scores.get(a.student, ("", "")),
                                   answer_digest(a.located)] for a in view.answers])
    assert problems == []  # no script but the page's own ran (CSP), no error
    path = out / "overrides-1.1.csv"
    path.write_text(got, encoding="utf-8")
    apply_overrides(sheet, out, path)
    bob = ScoreReport.model_validate_json((out / "bob" / "report.json").read_text())
    assert bob.tasks[0].checks[-1].score == 0.75 and bob.tasks[0].checks[-1].details.hint == comment


def test_an_anonymous_static_page_offers_no_csv_and_runs_without_error(browser: Any, graded) -> None:
    """The CSV names students, so an anonymous page (no id in it) cannot write it: it says to use
    --serve, and its script runs without the button."""
    sheet, out = graded({"alice": tagged("(a) re-init"), "bob": tagged("(a) re-init")})
    write_review(sheet, out, anonymous=True)
    problems: list[str] = []
    page = _page(browser, (out / "review" / "1.1-1.1-a-to-e.html").as_uri(), problems)
    assert page.locator("#save-csv").count() == 0 and "--anonymous --serve" in page.inner_text("main")
    page.fill('input[name="points-g1"]', "1")
    page.evaluate("document.getElementById('review-form').requestSubmit()")  # Enter: nowhere to post
    assert page.input_value('input[name="points-g1"]') == "1" and problems == []


def _plot(scale: float) -> str:
    """A PNG of σ'(z) as a student's notebook shows it (``scale`` 1: right; else a wrong curve)."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    z = np.linspace(-8, 8, 200)
    s = 1 / (1 + np.exp(-z))
    fig, ax = plt.subplots(figsize=(4.2, 2.2), dpi=80)
    ax.plot(z, scale * s * (1 - s) if scale != 1 else s * (1 - s))
    ax.set_xlabel("z"), ax.set_ylabel("σ'(z)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _answer(text: str, code: str, png: str) -> Located:
    return Located(how="heading", detail="the cells under the heading “5. σ′” (cell 10)", blocks=[
        LocatedBlock(kind="markdown", cell=10, text=text), LocatedBlock(kind="code", cell=11, text=code),
        LocatedBlock(kind="image", cell=11, png_base64=png)])


def test_screenshot_of_a_review_page_for_the_readme(browser: Any, graded) -> None:
    code = "def dsigmoid(z):\n    return sigmoid(z) * (1 - sigmoid(z))\n\nplt.plot(z, dsigmoid(z))"
    right = _answer("**5.** σ′ peaks at 0.25 for z = 0; at z = 1.5 and 5.5 it is small, so learning slows "
                    "(*vanishing gradient*).", code, _plot(1))
    same = _answer("5. σ' peaks at 0.25 for z=0; at z = 1.5 and 5.5 it is small, so learning slows "
                   "(vanishing gradient)", code, _plot(1))
    wrong = _answer("5. The derivative is largest at the tails.",
                    code.replace("(1 - sigmoid(z))", "sigmoid(z)"), _plot(4))
    sheet, out = graded({"alice": right, "bob": same, "seed004": wrong}, sheet_id="waterloo-a2-1")
    write_review(sheet, out)
    problems: list[str] = []
    page = _page(browser, (out / "review" / "5-q5-plot-and-vanishing-gradient.html").as_uri(), problems)
    page.fill('input[name="points-g1"]', "1")
    page.fill('textarea[name="comment-g1"]', "Right plot and reason.")
    shot = Path(os.environ.get("GRADER_SCREENSHOTS", out)) / "review-page.png"
    page.screenshot(path=str(shot), clip={"x": 0, "y": 0, "width": 1100, "height": 1000})
    assert shot.stat().st_size > 20_000 and problems == []
