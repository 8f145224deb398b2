"""feedback.html as a student sees it: rendered by headless Chromium, then read back as text."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.report import ScoreReport
from grader.report.writers import feedback_html

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def report(sheet: str, student: str) -> ScoreReport:
    return ScoreReport.model_validate_json((GOLDEN / sheet / f"{student}.json").read_text())


def test_html_is_self_contained_and_escapes_student_text():
    html = feedback_html.render(report("sheet6-ffnn", "carol_wrong_dtanh"))
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert '<html lang="en">' in html and "<code>dtanh</code>" in html
    passed = html.split('aria-label="sigmoid: passed"')[1].split("</section>")[0]
    assert "you gave" not in passed  # got/expected only where they differ
    carol = report("sheet6-ffnn", "carol_wrong_dtanh")
    hostile = carol.model_copy(update={"student": "<img src=x onerror=1>"})
    assert "<img src=x" not in feedback_html.render(hostile)


def _browser_text(html: str, tmp_path: Path) -> str:
    if not (shutil.which("chromium") and shutil.which("pdftotext")):
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium and pdftotext (.ci/install installs them)")
        pytest.skip("needs chromium and pdftotext")
    page = tmp_path / "feedback.html"
    page.write_text(html, encoding="utf-8")
    base = [*CHROMIUM, f"--user-data-dir={tmp_path / 'profile'}"]
    pdf = f"--print-to-pdf={tmp_path / 'page.pdf'}"
    subprocess.run([*base, pdf, "--no-pdf-header-footer", page.as_uri()], check=True, capture_output=True,
                   timeout=120)
    subprocess.run([*base, f"--screenshot={tmp_path / 'page.png'}", "--window-size=1200,1600", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert (tmp_path / "page.png").stat().st_size > 20_000  # a rendered page, not a blank one
    out = subprocess.run(["pdftotext", "-layout", str(tmp_path / "page.pdf"), "-"], check=True,
                         capture_output=True, text=True, timeout=60)
    return " ".join(out.stdout.split())


@pytest.mark.browser
def test_a_browser_shows_score_expected_got_tolerance_and_convention(tmp_path):
    text = _browser_text(feedback_html.render(report("sheet6-ffnn", "carol_wrong_dtanh")), tmp_path)
    assert "Score: 6.38 / 11.5" in text and "4.75 more to be scored by a TA" in text
    assert "✘ failed dtanh" in text and "you gave expected" in text
    assert "Tolerance: atol 1e-06 + rtol 0.0001·|expected|" in text
    assert "Accepted convention that matched: o = softmax(W2ᵀ h)" in text
    assert "… pending 6.4a" in text
    assert "The elements furthest off index you gave expected [0] 2 1.69934e-17" in text


@pytest.mark.browser
def test_a_browser_shows_follow_through_and_the_run_log(tmp_path):
    text = _browser_text(feedback_html.render(report("waterloo-a2-1", "dave_syntax_error")), tmp_path)
    assert "Run log" in text and "SyntaxError" in text
    text = _browser_text(feedback_html.render(report("inf264-ex4", "carol_wrong_gradient")), tmp_path)
    assert "Credit given via: follow-through" in text
