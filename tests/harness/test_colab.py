"""Notebooks as students save them from Colab: google.colab, !pip / %pip and tqdm are answered
while grading, under both notebook executors, and cost the student nothing."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from grader.grading.batch import grade_batch
from grader.harness import colab, wire
from grader.sandbox.job import Job
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "submissions_example" / "inf264-ex4"


def test_the_example_is_saved_as_colab_saves():
    nb = json.loads((EXAMPLES / "gina_colab" / "exercise4.ipynb").read_text())
    assert (nb["nbformat"], nb["nbformat_minor"]) == (4, 0) and "colab" in nb["metadata"]
    assert nb["metadata"]["accelerator"] == "GPU" and all("id" not in cell for cell in nb["cells"])


@pytest.mark.runs_code
@pytest.mark.parametrize("executor", ["lean", "nbclient"])
def test_colab_notebook_scores_as_the_reference_equivalent_one(tmp_path, executor):
    sheet = load_sheet("inf264-ex4")
    sheet = dataclasses.replace(sheet, spec=sheet.spec.model_copy(update={"executor": executor}))
    subs = tmp_path / "subs"
    for student in ("alice", "gina_colab"):  # alice's answers are the reference's
        shutil.copytree(EXAMPLES / student, subs / student)
    result = grade_batch(sheet, subs, tmp_path / "out", ProcessRunner(sheet.spec.limits))
    reports = {r.student: r for r in result.reports}
    gina, alice = reports["gina_colab"], reports["alice"]
    assert gina.run.status == "completed" and not gina.run.cell_errors
    automatic = sum(c.max_score for t in gina.tasks for c in t.checks if c.kind != "manual")
    assert gina.score == alice.score == pytest.approx(automatic)
    assert [(c.answer, c.status) for t in gina.tasks for c in t.checks] == \
        [(c.answer, c.status) for t in alice.tasks for c in t.checks]
    assert gina.run.stderr == (
        "google.colab: drive.mount('/content/drive') does nothing when grading; read data files from the "
        "notebook's folder\ntqdm is already installed: pip install skipped (no network when grading)\n")


CELLS = [
    "from google.colab import drive, files, output, data_table\nimport google.colab\n"
    "uploaded = files.upload()\nfiles.download('model.h5')\noutput.clear(); output.clear()\n"
    "output.enable_custom_widget_manager()\ndata_table.enable_dataframe_formatter()\n"
    "table = data_table.DataTable([1, 2])\ndrive.flush_and_unmount()",
    "%tensorflow_version 2.x\n%pip install -q nosuchpkg==1.0 numpy\n!pip3 install git+https://x.org/y.git\n"
    "after_pip = 1",
    "try:\n    import drive\nexcept ModuleNotFoundError:\n    plain_import = 'refused'",
    "from tqdm.notebook import tqdm\nfrom tqdm.auto import tqdm as auto\n"
    "total = sum(tqdm(range(3))) + sum(auto(range(3)))\n!echo shell still runs",
]
NOTES = [
    "google.colab: files.upload() does nothing when grading; put the files in the notebook's folder",
    "google.colab: files.download('model.h5') does nothing when grading; the file stays in the "
    "notebook's folder",
    "google.colab: output.clear() does nothing when grading; the notebook's output is kept as it is",
    "google.colab: output.enable_custom_widget_manager() does nothing when grading; the notebook's output "
    "is kept as it is",
    "google.colab: data_table.enable_dataframe_formatter() does nothing when grading; the notebook's "
    "output is kept as it is",
    "google.colab: data_table.DataTable([1, 2]) does nothing when grading; the table itself is used",
    "google.colab: drive.flush_and_unmount() does nothing when grading; read data files from the "
    "notebook's folder",
    "%tensorflow_version 2.x: a Colab magic; the installed TensorFlow is used",
    "nosuchpkg is not available when grading",
    "numpy is already installed: pip install skipped (no network when grading)",
    "git+https://x.org/y.git is not available when grading",
]


@pytest.mark.runs_code
@pytest.mark.parametrize("executor", ["lean", "nbclient"])
def test_stand_ins_note_once_and_later_lines_still_run(tmp_path, executor):
    source = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS]), source)
    job = Job(source=str(source), kind="notebook", workdir=str(tmp_path), executor=executor,
              answers=["uploaded", "table", "after_pip", "plain_import", "total"], probe_timeout_s=5,
              cell_timeout_s=30, total_timeout_s=60, max_output_chars=10_000, max_cells=20)
    result = ProcessRunner().run(job)
    assert result.status == "completed" and not result.cell_errors, result
    answers = {name: wire.decode(value) for name, value in result.answers.items()}
    assert answers == {"uploaded": {}, "table": [1, 2], "after_pip": 1, "plain_import": "refused", "total": 6}
    assert result.stderr.splitlines() == NOTES  # progress bars are off: no timings in the log
    assert result.stdout.split() == ["shell", "still", "runs"]  # other commands still run (lean: a pty, \r\n)


@pytest.mark.parametrize(("args", "notes"), [
    ("install -q -U tqdm", ["tqdm is already installed: pip install skipped (no network when grading)"]),
    ("install -r requirements.txt 'scikit-learn>=1.0'",
     ["scikit-learn is already installed: pip install skipped (no network when grading)"]),
    ("install ./local_pkg", ["./local_pkg is not available when grading"]),
    ("uninstall -y numpy", ["pip uninstall -y numpy: skipped (no network when grading)"]),
    ("install 'unbalanced", ["'unbalanced is not available when grading"]),
])
def test_pip_notes(args, notes):
    assert colab.pip_notes(args) == notes
