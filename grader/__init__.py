"""grader: autograde neural-network exercise sheets in a sandbox, with feedback per point.

The library does the work; ``grader.cli`` only parses options and renders. Typical use::

    from pathlib import Path
    from grader import choose_runner, grade_batch, load_sheet

    sheet = load_sheet("inf264-ex4")
    result = grade_batch(sheet, Path("submissions"), Path("out"), choose_runner(sheet.spec.limits))
"""

from grader.grade import BatchResult, grade_batch
from grader.pipeline import grade_submission
from grader.reference import calibrate_sheet, check_reference, lock_sheet
from grader.report import ScoreReport
from grader.runner import ProcessRunner, Runner
from grader.sandbox.doctor import choose_runner, diagnose
from grader.sheet import Sheet, SheetError, load_sheet

__all__ = [
    "BatchResult",
    "ProcessRunner",
    "Runner",
    "ScoreReport",
    "Sheet",
    "SheetError",
    "calibrate_sheet",
    "check_reference",
    "choose_runner",
    "diagnose",
    "grade_batch",
    "grade_submission",
    "load_sheet",
    "lock_sheet",
]
