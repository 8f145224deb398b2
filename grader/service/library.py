"""Everything the service takes from the grading library, in one place.

The grading library is being reorganised; when its modules move, only these imports change.
"""

from __future__ import annotations

from grader.grading.discover import Submission
from grader.grading.submission import grade_submission
from grader.grading.unzip import UnsafeArchive, safe_extract
from grader.report import CellErrorInfo, CheckResult, ScoreReport
from grader.report.overrides import COLUMNS as OVERRIDE_COLUMNS
from grader.report.overrides import Override, merge, read_overrides
from grader.report.textsafe import csv_cell, one_line
from grader.report.writers import BATCH_WRITERS, STUDENT_WRITERS
from grader.report.writers.batch import Batch
from grader.report.writers.report_json import render as render_report_json
from grader.sandbox.doctor import Diagnosis, SandboxUnavailable, choose_runner, diagnose
from grader.sandbox.process import ProcessRunner, Runner
from grader.sandbox.scratch import remove_tree
from grader.sheet import Sheet, SheetError, format_validation_error, load_sheet
from grader.sheet.datasets import identity
from grader.sheet.lock import SheetLock, calibration_problems, require_fresh_lock

__all__ = [
    "BATCH_WRITERS", "OVERRIDE_COLUMNS", "STUDENT_WRITERS", "Batch", "CellErrorInfo", "CheckResult",
    "Diagnosis", "Override", "ProcessRunner", "Runner", "SandboxUnavailable", "ScoreReport", "Sheet",
    "SheetError", "SheetLock", "Submission", "UnsafeArchive", "choose_runner", "csv_cell", "diagnose",
    "format_validation_error", "grade_submission", "load_sheet", "merge", "one_line", "read_overrides",
    "ready_lock", "remove_tree", "render_report_json", "safe_extract",
]


def ready_lock(sheet: Sheet) -> SheetLock:
    """The sheet's lock, refused as ``grader grade`` refuses it: stale, uncalibrated, or a module missing."""
    lock = require_fresh_lock(sheet)
    problems = calibration_problems(sheet, lock, identity(sheet))
    problems += [f"submissions of {sheet.id} import {m}, which this environment lacks: install it"
                 for m in sheet.missing_modules()]
    if problems:
        raise SheetError("; ".join(problems))
    return lock
