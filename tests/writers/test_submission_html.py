"""submission.html and the located answers in feedback.html: student content that cannot run
JavaScript, load anything or grow without bound."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from grader.grading.executed import executed_notebook
from grader.grading.locate import GradedFile
from grader.report import ScoreReport
from grader.report.located import Located, LocatedBlock
from grader.report.writers import feedback_html, submission_html
from grader.sandbox.job import CellOutput, CellOutputs, RunResult

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
# each would set the page's title to PWNED if it ran (the word is split so the page's text does not
# contain it unless a script assembled it)
PWN = "document.title='PW'+'NED'"
ATTACKS = [
    f"<script>{PWN}</script>",
    f'<img src=x onerror="{PWN}">',
    f"[click](javascript:{PWN})",
    f"[click](&#106;avascript:{PWN})",
    f'<svg><script>{PWN}</script></svg>',
    f'<a href="javascript:{PWN}">a</a>',
    f"<iframe src=\"javascript:{PWN}\"></iframe>",
    "![tracker](https://example.org/t.png)",
]


def hostile_notebook(tmp_path: Path) -> Path:
    cells = [{"cell_type": "markdown", "source": "\n\n".join(ATTACKS), "metadata": {}},
             {"cell_type": "raw", "source": f"<script>{PWN}</script>", "metadata": {"format": "text/html"}},
             {"cell_type": "code", "source": "x = '</pre><script>'", "metadata": {},
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"text/html": f"<script>{PWN}</script>"}}]},
             {"cell_type": "markdown", "source": "ok", "metadata": {},
              "attachments": {"a.png": {"image/svg+xml": f"<svg onload=\"{PWN}\"/>"}}}]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def run_with_outputs() -> RunResult:
    return RunResult(status="completed", outputs=[CellOutputs(cell=2, outputs=[
        CellOutput(kind="text", name="stdout", text=f"<script>{PWN}</script>"),
        CellOutput(kind="image", png_base64=PNG)])])


def hostile_page(tmp_path: Path) -> str:
    executed = executed_notebook(GradedFile(hostile_notebook(tmp_path)), "nb.ipynb", run_with_outputs())
    return submission_html.render(executed)


def _student_markup(page: str) -> str:
    """The page without its styles: what came from the student."""
    return re.sub(r"<style.*?</style>", "", page, flags=re.S)


def test_submission_html_has_no_student_script_handler_or_unsafe_link(tmp_path):
    page = hostile_page(tmp_path)
    head = page[page.index("<head>"):]
    assert head.startswith('<head><meta http-equiv="Content-Security-Policy" content="default-src \'none\';')
    student = _student_markup(page)
    assert "<script" not in student and "<svg" not in student and "<iframe" not in student
    assert not re.search(r"<[^>]+\son\w+=", student)
    assert not re.search(r"(href|src)=\"(?!#|data:image/png;|https://example\.org)", student.replace(
        'href="#', 'href="#'))
    assert "javascript:" not in re.sub(r">[^<]*<", "><", student)  # only as text, never in a tag
    assert f"data:image/png;base64,{PNG}" in page  # the run's figure
    assert "&lt;script&gt;document.title" in page  # shown as text


def test_a_notebook_with_huge_saved_outputs_and_sources_gives_a_bounded_page(tmp_path):
    """Sources and outputs past the page's bounds are left out (and said); the file's outputs never show."""
    cells = [{"cell_type": "code", "source": "print(1)\n" * 10_000, "metadata": {},
              "outputs": [{"output_type": "stream", "name": "stdout", "text": "y" * 1_000_000}]}
             for _ in range(50)]
    cells += [{"cell_type": "markdown", "source": "m", "metadata": {}}] * 100_000
    path = tmp_path / "big.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert path.stat().st_size > 50_000_000
    started = time.monotonic()
    outputs = [CellOutputs(cell=i, outputs=[CellOutput(kind="text", text="z" * 19_000)] * 20)
               for i in range(50)]
    run = RunResult(status="completed", outputs_cut=3, outputs=outputs)
    executed = executed_notebook(GradedFile(path), "big.ipynb", run)
    page = submission_html.render(executed)
    assert len(page) < 6_000_000 and "y" * 1000 not in page  # saved outputs are never shown
    assert "the page is bounded]" in page
    assert executed.omitted > 90_000 and "more cells not shown" in page
    assert "3 outputs not kept" in page
    assert time.monotonic() - started < 60  # generous: only a runaway render fails this


def test_a_script_is_shown_as_its_cells_with_their_outputs(tmp_path):
    script = tmp_path / "bob.py"
    script.write_text("print('<b>a</b>')\n# %%\nx = 1\n")
    run = RunResult(status="completed", outputs=[CellOutputs(cell=0, outputs=[
        CellOutput(kind="text", name="stdout", text="<b>a</b>\n")])])
    executed = executed_notebook(GradedFile(script), "bob.py", run)
    assert executed.script and [c.source for c in executed.cells] == ["print('<b>a</b>')\n", "# %%\nx = 1\n"]
    page = submission_html.render(executed)
    assert "&lt;b&gt;a&lt;/b&gt;" in page and "<b>a</b>" not in _student_markup(page)


def _with_located(located: Located) -> ScoreReport:
    report = ScoreReport.model_validate_json((GOLDEN / "waterloo-a2-1" / "seed004.json").read_text())
    tasks = [t.model_copy(update={"checks": [c.model_copy(update={"located": located})
                                             if c.kind == "manual" else c for c in t.checks]})
             for t in report.tasks]
    return report.model_copy(update={"tasks": tasks})


def test_feedback_shows_what_the_ta_sees_escaped_with_markdown_rendered_and_no_raw_html():
    blocks = [LocatedBlock(kind="markdown", cell=1, text="**bold** answer\n\n" + "\n\n".join(ATTACKS)),
              LocatedBlock(kind="code", cell=2, text="x = '<script>'"),
              LocatedBlock(kind="output", cell=2, text="</pre><script>"),
              LocatedBlock(kind="image", cell=2, png_base64=PNG)]
    located = Located(how="heading", detail="the cells under the heading “<i>5</i>” (cell 1)", blocks=blocks,
                      flags=["2 markdown cells carry the tag <b>x</b>"], omitted=2)
    html = feedback_html.render(_with_located(located))
    assert "What your TA will see for this point" in html and "bold" in html
    assert "<script" not in html and "<svg" not in html and "<iframe" not in html and "<i>5</i>" not in html
    assert not re.search(r"<[^>]+\son\w+=", html) and 'href="javascript' not in html
    assert "https://example.org" not in re.sub(r">[^<]*<", "><", html.split("<body>")[0])
    assert f'src="data:image/png;base64,{PNG}"' in html and "2 more" in html
    assert "Content-Security-Policy" in html and 'href="submission.html"' in html


@pytest.mark.browser
def test_no_student_javascript_runs_in_a_browser(tmp_path):
    if not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium (.ci/install installs it)")
        pytest.skip("needs chromium")
    page = hostile_page(tmp_path)
    feedback = feedback_html.render(_with_located(Located(how="tag", detail="d", blocks=[
        LocatedBlock(kind="markdown", cell=1, text="\n\n".join(ATTACKS))])))
    # the policy holds even where escaping would fail: a script spliced into the page does not run
    spliced = page.replace("</body>", f"<script>{PWN}</script></body>")
    for name, html in {"submission.html": page, "feedback.html": feedback, "spliced.html": spliced}.items():
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000",
                              "--dump-dom", path.as_uri()], check=True, capture_output=True, text=True,
                             timeout=120).stdout
        assert "<html" in dom and "PWNED" not in dom, name


@pytest.mark.runs_code
def test_a_batch_writes_submission_html_for_every_graded_notebook_and_script(tmp_path):
    from grader.grading.batch import grade_batch
    from grader.sandbox.process import ProcessRunner
    from grader.sheet import load_sheet

    sheet = load_sheet("waterloo-a2-1")
    result = grade_batch(sheet, REPO / "submissions_example" / "waterloo-a2-1", tmp_path, ProcessRunner())
    for report in result.reports:
        page = tmp_path / report.student / "submission.html"
        assert page.exists() == bool(report.run.file), report.student
    seed = (tmp_path / "seed004" / "submission.html").read_text()
    assert "assignment2.ipynb" in seed and "Content-Security-Policy" in seed and "σ′" in seed
    assert "bob.py" in (tmp_path / "bob" / "submission.html").read_text()


def test_a_page_the_grader_cannot_render_costs_the_student_nothing(tmp_path, monkeypatch):
    from grader.report.writers import write_student

    def broken(page):
        raise RuntimeError("a bug")

    monkeypatch.setattr(submission_html, "render", broken)
    report = ScoreReport.model_validate_json((GOLDEN / "waterloo-a2-1" / "seed004.json").read_text())
    executed = executed_notebook(GradedFile(hostile_notebook(tmp_path)), "nb.ipynb", run_with_outputs())
    write_student(report, tmp_path, executed)
    page = (tmp_path / "submission.html").read_text()
    assert "could not show it (RuntimeError)" in page and "Content-Security-Policy" in page
    assert (tmp_path / "report.json").exists() and (tmp_path / "feedback.html").exists()
