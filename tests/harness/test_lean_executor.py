"""The lean executor (IPython's InteractiveShell, no kernel) grades every example exactly as
nbclient does: same answers, same scores, same messages, same cell errors and output."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from grader.grade import grade_batch
from grader.runner import ProcessRunner
from grader.sheet import load_sheet

pytestmark = pytest.mark.runs_code
REPO = Path(__file__).resolve().parents[2]
VOLATILE = {"duration_s", "traceback"}  # tracebacks are formatted by different IPython front ends


def stable(path: Path) -> dict:
    def strip(data):
        if isinstance(data, dict):
            return {k: strip(v) for k, v in data.items() if k not in VOLATILE}
        return [strip(v) for v in data] if isinstance(data, list) else data
    return strip(json.loads(path.read_text()))


def executor(sheet, name):
    return dataclasses.replace(sheet, spec=sheet.spec.model_copy(update={"executor": name}))


@pytest.mark.parametrize("sheet_id", ["inf264-ex4", "waterloo-a2-1", "sheet6-ffnn"])
def test_lean_and_nbclient_give_identical_reports(sheet_id, tmp_path):
    sheet = load_sheet(sheet_id)
    subs = REPO / "submissions_example" / sheet_id
    runner = ProcessRunner(sheet.spec.limits)
    outs = {}
    for name in ("nbclient", "lean"):
        outs[name] = tmp_path / name
        grade_batch(executor(sheet, name), subs, outs[name], runner)
    students = sorted(p.name for p in outs["nbclient"].iterdir() if p.is_dir())
    assert students
    for student in students:
        a, b = (stable(outs[n] / student / "report.json") for n in ("nbclient", "lean"))
        assert a == b, student
    assert (outs["nbclient"] / "gradebook.csv").read_text() == (outs["lean"] / "gradebook.csv").read_text()


def test_lean_notebook_errors_timeouts_magics_and_figures(tmp_path):
    import nbformat

    cells = ["%matplotlib inline\nimport matplotlib.pyplot as plt\nx = 1\nx",
             "raise ValueError('nope')",
             "import time\ntime.sleep(30)",
             "y = x + 1\nprint('y is', y)\nplt.plot([1, 2], [3, 4]); plt.show()"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# title"),
                                         *(nbformat.v4.new_code_cell(c) for c in cells)])
    nbformat.write(nb, tmp_path / "sub.ipynb")
    from grader.job import Job

    job = Job(source=str(tmp_path / "sub.ipynb"), kind="notebook", workdir=str(tmp_path), answers=["y"],
              figures=True, executor="lean", probe_timeout_s=5, cell_timeout_s=2, total_timeout_s=60,
              max_output_chars=10_000, max_cells=50)
    result = ProcessRunner().run(job)
    assert result.status == "completed" and result.n_cells == 4
    assert [(e.index, e.kind, e.ename) for e in result.cell_errors] == [
        (2, "error", "ValueError"), (3, "timeout", "CellTimeout")]
    assert "nope" in result.cell_errors[0].traceback
    assert result.answers == {"y": 2} and result.stdout == "y is 2\n"  # no Out[1] or <Figure …>
    assert result.figures[0]["axes"][0]["series"][0]["y"] == [3.0, 4.0]
