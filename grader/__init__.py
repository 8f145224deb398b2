"""grader: autograde neural-network exercise sheets in a sandbox, with feedback per point.

The library does the work; ``grader.cli`` only parses options and renders. Typical use::

    from pathlib import Path
    from grader import ProcessRunner, grade_batch, load_sheet

    result = grade_batch(load_sheet("inf264-ex4"), Path("submissions"), Path("out"), ProcessRunner())
"""

from grader.grade import BatchResult, grade_batch
from grader.pipeline import grade_submission
from grader.reference import check_reference, lock_sheet
from grader.report import ScoreReport
from grader.runner import ProcessRunner, Runner
from grader.sheet import Sheet, SheetError, load_sheet

__all__ = [
    "BatchResult",
    "ProcessRunner",
    "Runner",
    "ScoreReport",
    "Sheet",
    "SheetError",
    "check_reference",
    "grade_batch",
    "grade_submission",
    "load_sheet",
    "lock_sheet",
]
