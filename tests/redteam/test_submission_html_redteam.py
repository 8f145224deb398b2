"""Red team (#18): submission.html, the notebook as it ran, against a hostile student.

The page must run no student script, load nothing, link nowhere but http(s)/mailto, and cost the
host a few seconds at most whatever the notebook and its run hold.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from grader.grading.executed import MAX_OUTPUTS, executed_notebook
from grader.grading.locate import GradedFile
from grader.report.writers.submission_html import render
from grader.sandbox.job import CellOutput, CellOutputs, RunResult


def code(source: str) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": []}


def md(source: str, kind: str = "markdown") -> dict:
    return {"cell_type": kind, "source": source, "metadata": {}}


def page_of(tmp_path: Path, cells: list[dict], outputs: list[CellOutputs] | None = None,
            name: str = "alice.ipynb") -> str:
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    run = RunResult(status="completed", outputs=outputs or [])
    return render(executed_notebook(GradedFile(path), name, run))


def _flood(cells: int) -> list[CellOutputs]:
    """What a cell alternating print() and print(file=sys.stderr) leaves: 20 outputs, each kept."""
    return [CellOutputs(cell=i, outputs=[CellOutput(kind="text", text="y", name=("stdout", "stderr")[j % 2])
                                         for j in range(20)]) for i in range(cells)]


def test_an_output_flood_is_bounded_by_count_and_quick(tmp_path: Path) -> None:
    """FIXED. 2,000 code cells (the default max_cells) of 20 one-character outputs took nbconvert
    27 s and 10 MB (~0.7 ms an output whatever its size). Now at most MAX_OUTPUTS outputs are
    shown, the page is the grader's own (no nbconvert) and takes well under a second."""
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps({"cells": [code("print(1)")] * 3000, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    started = time.monotonic()
    run = RunResult(status="completed", outputs=_flood(2000))
    executed = executed_notebook(GradedFile(path), "n.ipynb", run)
    shown = sum(len(c.outputs) for c in executed.cells)
    assert shown <= MAX_OUTPUTS + len(executed.cells), shown
    assert executed.omitted > 0
    assert len(render(executed)) < 4_000_000
    assert time.monotonic() - started < 10  # generous for a loaded machine: ~0.1 s measured


def test_code_past_the_source_bound_gives_a_bounded_page_quickly(tmp_path: Path) -> None:
    """FIXED. 150,000 characters of ordinary code took nbconvert 13 s and 3.6 MB; the grader's
    own page shows 300,000 characters in milliseconds and says where it stopped."""
    started = time.monotonic()
    page = page_of(tmp_path, [code("a = (1, 2) + b[3] * c\n" * 900) for _ in range(20)])
    assert len(page) < 1_500_000 and "more cells not shown" in page
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "&#106;avascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "data:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "attachment:evil.png",
])
def test_no_link_or_source_but_http_mailto_anchor_or_png(tmp_path: Path, link: str) -> None:
    page = page_of(tmp_path, [md(f"[click]({link}) ![img]({link})\n\n[ref][r]\n\n[r]: {link}")])
    urls = re.findall(r'\b(?:href|src)="([^"]*)"', page)
    assert not [u for u in urls if not u.startswith(("http", "mailto:", "#", "data:image/png"))], urls


def test_student_html_in_code_markdown_raw_outputs_and_the_file_name_stays_text(tmp_path: Path) -> None:
    evil = "</textarea></script><script>alert(1)</script><img src=x onerror=alert(1)><style>*{}</style>"
    outputs = [CellOutputs(cell=1, outputs=[CellOutput(kind="text", text=evil),
                                            CellOutput(kind="image", png_base64="PHN2Zz4=")])]
    page = page_of(tmp_path, [md(evil), code(evil), md(evil, "raw"), md("$" + evil + "$")], outputs,
                   name=evil + ".ipynb")
    assert "<script>alert" not in page and "<img src=x" not in page and "<style>*{}" not in page
    assert page.count("<script") == 0 and "PHN2Zz4=" not in page  # no loader, no non-PNG image
    assert '<meta http-equiv="Content-Security-Policy"' in page[:page.find("<title")]


def test_a_remote_image_is_never_fetched(tmp_path: Path) -> None:
    """A markdown image of a tracking URL: shown as text; the page's policy (img-src data:) would
    forbid the request anyway."""
    page = page_of(tmp_path, [md("![t](https://evil.example/track.png?id=alice)")])
    policy = re.search(r'Content-Security-Policy" content="([^"]*)"', page)
    assert policy and "img-src data:" in policy.group(1) and "default-src 'none'" in policy.group(1)
    assert not re.search(r'<img[^>]*evil\.example', page)


@pytest.mark.parametrize("markdown", [
    "![image.png](attachment:image.png)",  # what Jupyter writes for a pasted screenshot
    "![a b](<attachment:a b.png>)", "![x][r]\n\n[r]: attachment:r.png", "![x](attachment:&#x61;.png)",
])
def test_a_pasted_image_does_not_break_the_page_or_the_report(tmp_path: Path, markdown: str) -> None:
    """FIXED. The page keeps no attachments, and nbconvert raised InvalidNotebook on the missing
    one: the batch then replaced the student's whole report by a grader error. Images in markdown
    are now shown as text."""
    page = page_of(tmp_path, [md("My plot:\n\n" + markdown)])
    assert "My plot:" in page and not re.search(r"<img[^>]*attachment", page)


@pytest.mark.runs_code
@pytest.mark.parametrize("executor", ["lean", "nbclient"])
def test_a_display_the_notebook_format_refuses_loses_no_answer(tmp_path: Path, executor: str) -> None:
    """FIXED. display({'text/plain': [1, 2]}, raw=True): nbclient refused the output
    (NotebookValidationError) and the run ended as 'kernel_died', every answer lost; lean raised a
    TypeError in the cell (its later lines never ran). A kernel sends it without complaint: now the
    output is dropped (counted) and the run goes on, both ways."""
    from tests.harness.test_outputs import _run

    cells = ["from IPython.display import display\ndisplay({'text/plain': [1, 2]}, raw=True)\nx = 1",
             "display({'image/png': ['iVBORw0KGgo', 3]}, raw=True)\n"
             "display({'text/plain': {'a': 1}}, raw=True)",
             "print(x)"]
    result = _run(tmp_path, cells, executor)
    assert result.status == "completed" and not result.cell_errors, (result.status, result.message)
    assert [(c.cell, [o.text for o in c.outputs]) for c in result.outputs] == [(2, ["1\n"])]
