"""An answer that one cell defines and a later cell removes is reported with that cell's number,
whichever way the submission runs (script cells, lean notebook, nbclient notebook); and the
kernel of an nbclient run ends with the run."""

from __future__ import annotations

import nbformat
import pytest

from grader.sandbox.job import Job
from grader.sandbox.process import ProcessRunner

pytestmark = pytest.mark.runs_code
CELLS = ["z = 3.0\nh = 3.0", "del z", "y = 1", "%reset -f"]


def run(tmp_path, kind, executor):
    if kind == "script":
        path = tmp_path / "sub.py"
        path.write_text("\n# %%\n".join(CELLS[:3]) + "\n")
    else:
        path = tmp_path / "sub.ipynb"
        cells = [nbformat.v4.new_markdown_cell("# Exercise"), *map(nbformat.v4.new_code_cell, CELLS)]
        nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    job = Job(source=str(path), kind=kind, workdir=str(tmp_path), answers=["z", "h", "y"],
              executor=executor, probe_timeout_s=5, cell_timeout_s=10, total_timeout_s=60,
              max_output_chars=10_000, max_cells=50)
    return ProcessRunner().run(job)


@pytest.mark.parametrize("executor", ["lean", "nbclient"])
def test_notebook_cells_that_remove_answers_are_named_by_their_place_in_the_file(tmp_path, executor):
    result = run(tmp_path, "notebook", executor)
    assert result.status == "completed" and result.answers == {}
    assert result.removed == {"z": 2, "h": 4, "y": 4}  # 0-based among all cells; markdown is 0


def test_script_cells_that_remove_answers_are_named(tmp_path):
    result = run(tmp_path, "script", "lean")
    assert result.answers == {"h": 3.0, "y": 1} and result.removed == {"z": 1}


def _kernels() -> set[int]:
    from pathlib import Path

    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"ipykernel_launcher" in (proc / "cmdline").read_bytes():
                found.add(int(proc.name))
        except OSError:
            continue
    return found


def test_the_kernel_ends_with_the_run_even_unsandboxed(tmp_path):
    """The driver does not shut its kernel down politely (0.1 s per run): PR_SET_PDEATHSIG ends it."""
    import time

    before = _kernels()
    result = run(tmp_path, "notebook", "nbclient")
    assert result.status == "completed"
    deadline = time.monotonic() + 5
    while _kernels() - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _kernels() - before == set()
