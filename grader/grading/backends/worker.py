"""What runs in a worker process, whichever backend started it (a local pool or a Dask worker).

A job carries the sheet's folder and options, not the loaded sheet: each worker loads the sheet
and its lock once and grades many submissions with them. Reports travel back as JSON.
"""

from __future__ import annotations

from typing import Any, Protocol

from grader.grading.discover import Submission
from grader.grading.score import grader_error_report
from grader.grading.submission import grade_submission
from grader.report import ScoreReport
from grader.sandbox.process import Runner
from grader.sheet import Sheet, load_sheet
from grader.sheet.lock import SheetLock, require_fresh_lock

Setup = tuple[str, dict[str, Any], dict[str, Any], Runner]
_LOADED: dict[str, tuple[Sheet, SheetLock]] = {}


def setup_of(sheet: Sheet, runner: Runner) -> Setup:
    return (str(sheet.folder), sheet.spec.limits.model_dump(), dict(sheet.data_overrides), runner)


def load(setup: Setup) -> tuple[Sheet, SheetLock]:
    folder, limits, data, _ = setup
    key = repr((folder, sorted(limits.items()), sorted(data.items())))
    if key not in _LOADED:
        sheet = load_sheet(folder).with_limits(**limits).with_data(**data)
        _LOADED[key] = (sheet, require_fresh_lock(sheet))
    return _LOADED[key]


def grade_here(setup: Setup, sub: Submission) -> ScoreReport:
    sheet, lock = load(setup)
    return grade_submission(sheet, lock, sub, setup[3])


def grade(setup: Setup, sub: Submission) -> str:
    """In a worker process: the report travels back as JSON."""
    return grade_here(setup, sub).model_dump_json()


class _Future(Protocol):
    def result(self) -> str: ...


def received(sheet: Sheet, lock: SheetLock, runner: Runner, sub: Submission, future: _Future) -> ScoreReport:
    """A worker's report; a worker that failed (it could not load the sheet, it died) is that
    student's grader_error report, made here, so the batch goes on."""
    try:
        return ScoreReport.model_validate_json(future.result())
    except Exception as exc:
        return grader_error_report(sheet, lock, sub.student, exc, runner.isolation)
