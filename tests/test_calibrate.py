"""grader calibrate end to end on a tiny sheet whose reference reads GRADER_SEED."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade import grade_batch
from grader.lock import load_lock
from grader.reference import calibrate_sheet, check_reference, lock_sheet
from grader.runner import ProcessRunner
from grader.sheet import SheetError, load_sheet

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
