"""What runs in a worker process, whichever backend started it (a local pool or a Dask worker).

A batch is planned once: a :class:`Plan` holds the sheet (as it was loaded, limits and datasets
included), the lock the batch verified and the runner. It is sent to each worker once (a pool's
initializer, a Dask broadcast); jobs then carry only a submission. A sheet pickles without its
``derive.py`` functions and loads them again on arrival, so each worker loads them once. Reports
travel back as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from grader.grading.discover import Submission
from grader.grading.score import grader_error_report
from grader.grading.submission import Graded, grade_executed
from grader.sandbox.process import Runner
from grader.sheet import Sheet
from grader.sheet.lock import SheetLock


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs to grade any submission of one batch."""

    sheet: Sheet
    lock: SheetLock  # checked against the sheet by the batch: workers do not read or hash it again
    runner: Runner

    def grade(self, sub: Submission) -> Graded:
        return grade_executed(self.sheet, self.lock, sub, self.runner)


_INSTALLED: list[Plan] = []  # in a pool's worker process: the batch's plan


def install(plan: Plan) -> None:
    """A pool worker's initializer: the plan arrives once per process, not once per job."""
    _INSTALLED[:] = [plan]


def grade_installed(sub: Submission) -> str:
    """In a pool's worker process: the report and the notebook as it ran travel back as JSON."""
    return _INSTALLED[0].grade(sub).model_dump_json()


def grade_with(plan: Plan, sub: Submission) -> str:
    """On a Dask worker (the plan is a broadcast datum, deserialized once per worker)."""
    return plan.grade(sub).model_dump_json()


class _Future(Protocol):
    def result(self) -> str: ...


def received(plan: Plan, sub: Submission, future: _Future) -> Graded:
    """A worker's result (a Graded's JSON); a worker that failed (it could not load the sheet, it
    died) is that student's grader_error report, made here, so the batch goes on."""
    try:
        return Graded.model_validate_json(future.result())
    except Exception as exc:
        failed = grader_error_report(plan.sheet, plan.lock, sub.student, exc, plan.runner.isolation)
        return Graded(report=failed)
