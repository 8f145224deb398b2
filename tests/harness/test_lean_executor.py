"""The lean executor (IPython's InteractiveShell, no kernel) grades every example exactly as
nbclient does: same answers, same scores, same messages, same cell errors and output."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.sandbox.process import ProcessRunner
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
    from grader.sandbox.job import Job

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


@pytest.mark.parametrize(("content", "reason"), [
    (b"\xff\xfe not utf-8", "not UTF-8 text"),
    (b"{not json", "not a readable Jupyter notebook"),
    (b'{"cells": 3}', "it has no list of cells"),
    (b'{"cells": ["x = 1"]}', "some of its cells are not cells"),
    (b'{"cells": [{"cell_type": "markdown"}, {"cell_type": "code", "source": ["x = 1\\n", 42]}]}',
     "cell 2's source is not text"),
    (b'{"cells": [{"cell_type": "code", "source": null}]}', "cell 1's source is not text"),
    (json.dumps({"cells": [{"cell_type": "code", "source": "x = 1"}] * 60}).encode(), "60 code cells"),
])
def test_lean_rejects_unreadable_notebooks_with_the_reason(tmp_path, content, reason):
    import sys

    sys.path.insert(0, str(REPO / "grader" / "harness"))
    try:
        import lean
    finally:
        sys.path.pop(0)
    (tmp_path / "nb.ipynb").write_bytes(content)
    cells, problem = lean.read_cells(str(tmp_path / "nb.ipynb"), max_cells=50)
    assert cells == [] and reason in problem


def test_lean_reads_a_version_3_notebook_as_nbclient_does(tmp_path):
    """IPython 2/3 saved cells in worksheets; nbclient's nbformat upgrades them, so lean must too
    (it said 'it has no list of cells' and the two executors gave different reports)."""
    import sys

    sys.path.insert(0, str(REPO / "grader" / "harness"))
    try:
        import lean
    finally:
        sys.path.pop(0)
    old = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
           "worksheets": [{"metadata": {}, "cells": [
        {"cell_type": "markdown", "source": ["# Old"], "metadata": {}},
        {"cell_type": "code", "language": "python", "input": ["z = 3\n", "h = 3.0\n"], "outputs": [],
         "metadata": {}, "prompt_number": 1}]}]}
    (tmp_path / "nb.ipynb").write_text(json.dumps(old))
    assert lean.read_cells(str(tmp_path / "nb.ipynb"), max_cells=50) == ([(1, "z = 3\nh = 3.0\n")], "")


def test_a_cell_that_disables_the_cell_timer_is_still_stopped(tmp_path):
    """The cell timer lives in the student's process in lean mode; the CPU-time limit and the
    runner's wall clock, outside it, still end the run, and the report says which."""
    import nbformat

    from grader.sandbox.job import Job

    cells = ["x = 1", "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]),
                   tmp_path / "sub.ipynb")
    job = Job(source=str(tmp_path / "sub.ipynb"), kind="notebook", workdir=str(tmp_path), answers=["x"],
              executor="lean", probe_timeout_s=5, cell_timeout_s=2, total_timeout_s=6,
              max_output_chars=10_000, max_cells=50)
    result = ProcessRunner().run(job)
    assert (result.status, result.message) in {
        ("crashed", "the run ended before writing results: it used up its CPU-time limit"),
        ("timeout", result.message)}, result


def _run(tmp_path, cells, executor_name, answers):
    import nbformat

    from grader.sandbox.job import Job

    path = tmp_path / f"{executor_name}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    job = Job(source=str(path), kind="notebook", workdir=str(tmp_path), answers=answers,
              executor=executor_name, probe_timeout_s=5, cell_timeout_s=5, total_timeout_s=60,
              max_output_chars=10_000, max_cells=50)
    return ProcessRunner().run(job)


@pytest.mark.parametrize("ending", ["exit()", "quit()", "import sys\nsys.exit(2)", "raise SystemExit"])
def test_exit_calls_do_what_they_do_in_a_kernel(tmp_path, ending):
    """A kernel only asks its front end to close on exit()/quit() (nbclient ignores it) and shows
    SystemExit as the cell's error: either way the later cells run."""
    cells = ["x = 1", ending, "y = x + 1"]
    lean, kernel = (_run(tmp_path, cells, name, ["x", "y"]) for name in ("lean", "nbclient"))
    assert lean.answers == kernel.answers == {"x": 1, "y": 2}
    assert [(e.index, e.ename) for e in lean.cell_errors] == [(e.index, e.ename) for e in kernel.cell_errors]


def test_a_notebook_replacing_the_shells_run_cell_cannot_stop_the_next_cells(tmp_path):
    cells = ["x = 1", "get_ipython().run_cell = lambda *a, **k: None", "y = x + 1"]
    result = _run(tmp_path, cells, "lean", ["x", "y"])
    assert result.status == "completed" and result.answers == {"x": 1, "y": 2}


@pytest.mark.parametrize("executor_name", ["lean", "nbclient"])
def test_input_is_refused_with_a_reason_and_later_cells_run(tmp_path, executor_name):
    result = _run(tmp_path, ["x = input('your name: ')", "y = 2"], executor_name, ["x", "y"])
    assert result.answers == {"y": 2} and [e.index for e in result.cell_errors] == [0]
    if executor_name == "lean":  # nbclient's kernel says "this frontend does not support input requests"
        assert result.cell_errors[0].ename == "EOFError" and "gets no answer" in result.cell_errors[0].evalue
