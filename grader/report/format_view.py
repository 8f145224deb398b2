"""The ``format`` view of a submission: did it run, which cells raised, which answers are missing or
unusable. Never an expected value, a verdict on correctness or a hidden probe.

One function builds it for both faces that show it: the service's ``format`` visibility (from a
graded report) and ``grader check`` (from a run judged against a public lock), so a student reads
the same thing before submitting and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from pydantic import Field

from grader.frozen import Frozen
from grader.report import CellErrorInfo, RunInfo, ScoreReport


class ShownCheck(Frozen):
    task: str
    answer: str
    status: str | None = Field(None, description="passed/failed/error/pending (correctness and full)")
    score: float | None = None
    max_score: float | None = None
    problem: str | None = Field(None, description="why the answer could not be checked (missing, wrong type)")


class ShownRun(Frozen):
    status: str
    ran_to_end: bool
    message: str = ""
    cell_errors: list[CellErrorInfo] = Field(default_factory=list)


class Row(NamedTuple):
    """One check of the sheet as the format view sees it."""

    task: str
    answer: str
    problem: str | None


class FormatView(Frozen):
    run: ShownRun
    checks: list[ShownCheck]

    @property
    def problems(self) -> list[ShownCheck]:
        return [c for c in self.checks if c.problem]

    @property
    def clean(self) -> bool:
        """It ran to the end, no cell raised and every answer has a usable form."""
        return self.run.ran_to_end and not self.run.cell_errors and not self.problems


def shown_run(info: RunInfo) -> ShownRun:
    return ShownRun(status=info.status, ran_to_end=info.ran_to_end, message=info.message,
                    cell_errors=info.cell_errors)


def format_view(info: RunInfo, rows: Iterable[Row]) -> FormatView:
    """The view of a run and of each check's problem (None: nothing to say)."""
    return FormatView(run=shown_run(info),
                      checks=[ShownCheck(task=r.task, answer=r.answer, problem=r.problem) for r in rows])


def report_rows(report: ScoreReport) -> list[Row]:
    """A graded report's rows: each check's problem as grading judged it against the public lock
    (what ``grader check`` says); else, for a check in error, its message (it could not use the
    answer). The message of a passed or failed check speaks of correctness: it is left out."""
    return [Row(task.id, c.answer, c.problem or (c.message if c.status == "error" else None))
            for task in report.tasks for c in task.checks]
