"""grader calibrate end to end on a tiny sheet whose reference reads GRADER_SEED."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.grading.reference import calibrate_sheet, check_reference, lock_sheet
from grader.sandbox.process import ProcessRunner
from grader.sheet import SheetError, load_sheet
from grader.sheet.lock import load_lock

pytestmark = pytest.mark.runs_code

SHEET = """
id: tiny
title: Tiny calibrated sheet
tasks:
  - id: "1"
    points: 2
    checks:
      - kind: range
        answer: acc
        what: validation accuracy
        calibrated: {runs: 3, sigmas: 2, margin: 0.01, side: lower}
"""
REFERENCE = 'import os\nacc = 0.8 + 0.01 * int(os.environ.get("GRADER_SEED", "0"))\n'


@pytest.fixture
def tiny(tmp_path: Path):
    folder = tmp_path / "sheets" / "tiny"
    folder.mkdir(parents=True)
    (folder / "sheet.yaml").write_text(SHEET)
    (tmp_path / "reference" / "tiny").mkdir(parents=True)
    (tmp_path / "reference" / "tiny" / "solution.py").write_text(REFERENCE)
    return load_sheet(folder)


def test_calibrate_measures_seeds_and_grading_uses_the_interval(tiny, tmp_path):
    seen = []
    lock = calibrate_sheet(tiny, ProcessRunner(), on_run=lambda seed, values: seen.append(values["acc"]))
    assert seen == pytest.approx([0.8, 0.81, 0.82])
    [record] = lock.calibrations.values()
    stat = record.stats["acc"]
    assert record.seeds == [0, 1, 2] and stat.mean == pytest.approx(0.81) and stat.high is None
    assert stat.low == pytest.approx(0.81 - 2 * 0.01 - 0.01) and "numpy" in record.environment
    assert check_reference(tiny, ProcessRunner()).ok
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "low.py").write_text("acc = 0.5\n")
    (subs / "ok.py").write_text("acc = 0.95\n")
    reports = {r.student: r for r in grade_batch(tiny, subs, tmp_path / "out", ProcessRunner()).reports}
    assert reports["ok"].score == 2 and reports["low"].score == 0
    message = reports["low"].tasks[0].checks[0].message
    assert "= 0.5 is below the accepted range ≥ 0.78" in message and "3 reference runs" in message


def test_lock_keeps_calibration_until_the_reference_changes(tiny, tmp_path):
    calibrate_sheet(tiny, ProcessRunner())
    assert lock_sheet(tiny, ProcessRunner()).calibrations  # same reference: measurements kept
    (tmp_path / "reference" / "tiny" / "solution.py").write_text(REFERENCE + "# changed\n")
    assert not lock_sheet(tiny, ProcessRunner()).calibrations
    assert not load_lock(tiny).calibrations
    with pytest.raises(SheetError, match="grader calibrate tiny"):
        grade_batch(tiny, tmp_path, tmp_path / "out", ProcessRunner())


FAMILIES_SHEET = SHEET.replace("tasks:", """trainings:
  - name: fit
    choices:
      optimizers: {adam: {low: 0.0001, high: 0.01}, sgd: {low: 0.01, high: 1.0}}
      activations: [relu, sigmoid]
      batch_sizes: [32, 64]
      validation: [data]
    families:
      - {name: reference, label: Adam + ReLU, optimizer: adam, learning_rate: 0.001, activation: relu,
         batch_size: 32}
      - {name: sgd, label: SGD + sigmoid, optimizer: sgd, learning_rate: 0.1, activation: sigmoid,
         batch_size: 64}
tasks:""").replace("side: lower}", "side: lower}\n        training: fit\n        fallback: {low: 0.5}")
# the reference reads GRADER_CONFIG; without Keras, it leaves the fit record the harness would make
FIT = ('import sys\nsys.modules["_grader_training"].RECORDS.append({{"optimizer": "{0}", '
       '"learning_rate": {1}, "activations": ["{2}"], "batch_size": {3}, "validation": "data"}})\n')
FAMILY_REFERENCE = """import json, os, sys
c = {"optimizer": "adam", "learning_rate": 0.001, "activation": "relu", "batch_size": 32,
      **json.loads(os.environ.get("GRADER_CONFIG", "{}"))}
assert c.get("training", "fit") == "fit"
sys.modules["_grader_training"].RECORDS.append({"optimizer": c["optimizer"],
    "learning_rate": c["learning_rate"], "activations": [c["activation"]], "batch_size": c["batch_size"],
    "validation": "data"})
acc = (0.8 if c["optimizer"] == "adam" else 0.6) + 0.01 * int(os.environ.get("GRADER_SEED", "0"))
"""


def test_calibrate_per_family_and_judge_each_student_by_the_family_they_trained(tmp_path):
    folder = tmp_path / "sheets" / "tiny"
    folder.mkdir(parents=True)
    (folder / "sheet.yaml").write_text(FAMILIES_SHEET)
    (tmp_path / "reference" / "tiny").mkdir(parents=True)
    (tmp_path / "reference" / "tiny" / "solution.py").write_text(FAMILY_REFERENCE)
    tiny = load_sheet(folder)
    [record] = calibrate_sheet(tiny, ProcessRunner()).calibrations.values()
    assert record.stats["acc"].mean == pytest.approx(0.81) and record.families["sgd"]["acc"].mean == \
        pytest.approx(0.61)
    checked = check_reference(tiny, ProcessRunner())
    assert checked.ok, checked.problems
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "sgd.py").write_text(FIT.format("sgd", 0.1, "sigmoid", 64) + "acc = 0.6\n")
    (subs / "typed.py").write_text("acc = 0.6\n")
    (subs / "odd.py").write_text(FIT.format("sgd", 0.1, "sigmoid", 512) + "acc = 0.55\n")
    reports = {r.student: r.tasks[0].checks[0] for r in
               grade_batch(tiny, subs, tmp_path / "out", ProcessRunner()).reports}
    assert reports["sgd"].status == "passed" and "calibrated for SGD + sigmoid: 3 reference runs" in \
        reports["sgd"].message
    assert reports["typed"].status == "failed" and "no `fit` call of yours was recorded" in \
        reports["typed"].message
    assert reports["odd"].status == "passed" and "outside what the sheet calibrates (batch size 512" in \
        reports["odd"].message
