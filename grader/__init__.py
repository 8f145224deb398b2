"""grader: autograde neural-network exercise sheets in a sandbox, with feedback per point.

The library does the work; ``grader.cli`` only parses options and renders. Typical use::

    from pathlib import Path
    from grader import choose_runner, grade_batch, load_sheet

    sheet = load_sheet("inf264-ex4")
    with choose_runner(sheet.spec.limits) as runner:
        result = grade_batch(sheet, Path("submissions"), Path("out"), runner)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.grading.batch import BatchResult, grade_batch
    from grader.grading.reference import calibrate_sheet, check_reference, lock_sheet
    from grader.grading.submission import grade_submission
    from grader.report import ScoreReport
    from grader.sandbox.doctor import choose_runner, diagnose
    from grader.sandbox.process import ProcessRunner, Runner
    from grader.sheet import Sheet, SheetError, load_sheet

# Loaded on first use (PEP 562), so that importing one module, e.g. by the CLI or a worker,
# does not import the whole package.
_HOME = {"BatchResult": "grading.batch", "grade_batch": "grading.batch",
         "grade_submission": "grading.submission", "calibrate_sheet": "grading.reference",
         "check_reference": "grading.reference", "lock_sheet": "grading.reference",
         "ScoreReport": "report", "ProcessRunner": "sandbox.process", "Runner": "sandbox.process",
         "choose_runner": "sandbox.doctor", "diagnose": "sandbox.doctor", "Sheet": "sheet",
         "SheetError": "sheet", "load_sheet": "sheet"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    return getattr(importlib.import_module(f"grader.{_HOME[name]}"), name)


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
