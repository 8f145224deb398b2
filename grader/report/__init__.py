"""The score report: what a student reads and what the gradebook is built from."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from grader.frozen import Frozen
from grader.report.located import Located

CheckStatus = Literal["passed", "failed", "error", "pending"]


class Entry(Frozen):
    index: list[int]
    got: str
    expected: str


class CheckDetails(Frozen):
    got: str | None = None
    expected: str | None = None
    tolerance: str | None = None
    worst_index: list[int] | None = None
    worst_entries: list[Entry] | None = Field(None, description="the elements furthest off, worst first")
    matched: str | None = Field(None, description="the accepted convention that matched")
    credit_via: str | None = Field(None, description="e.g. follow-through from earlier answers")
    hint: str | None = None
    probes_passed: int | None = None
    probes_total: int | None = None


class CheckResult(Frozen):
    answer: str
    kind: str
    status: CheckStatus
    score: float
    max_score: float
    message: str
    details: CheckDetails = CheckDetails()
    located: Located | None = Field(None, description="manual points: the student's answer as found")
    problem: str | None = Field(None, description="why the answer cannot be used, in terms of form only "
                                "(missing, unreadable, wrong type or shape, a visible probe raising or "
                                "returning the wrong form): what the format visibility and grader check show")


class TaskResult(Frozen):
    id: str
    title: str = ""
    score: float
    max_score: float
    checks: list[CheckResult]


class CellErrorInfo(Frozen):
    cell: int = Field(description="1-based cell number as the student sees it")
    kind: str
    error: str
    traceback: str = ""


RunInfoStatus = Literal["completed", "timeout", "crashed", "kernel_died", "invalid_submission",
                        "harness_error", "malformed_result", "grader_error"]


class RunInfo(Frozen):
    status: RunInfoStatus = Field(description="how the run ended (grader_error: the grader failed, "
                                              "not the submission: regrade once it is fixed)")
    message: str = ""
    file: str = ""
    n_cells: int = 0
    cell_errors: list[CellErrorInfo] = Field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    isolation: str = ""
    grader_error: str = Field("", description="for the TA: what went wrong in the grader (never shown "
                                              "in feedback); empty when nothing did")

    @property
    def ran_to_end(self) -> bool:
        """Every cell ran (some may have raised) and the answers were read."""
        return self.status == "completed"


def pending_points(tasks: list[TaskResult]) -> float:
    """Manual points not scored yet (they count 0 until a TA scores them)."""
    return round(sum(c.max_score for t in tasks for c in t.checks if c.status == "pending"), 6)


class ScoreReport(Frozen):
    student: str
    sheet: str
    score: float
    max_score: float
    pending_points: float = Field(0.0, description="manual points still to be scored by a TA")
    tasks: list[TaskResult]
    run: RunInfo
    data: str = Field("", description="the datasets it was graded on (offline MNIST subset, …)")
    submission_sha256: str = ""
    lock_sha256: str = Field("", description="which expected answers it was graded against")
    grader_version: str = ""

    def task(self, task_id: str) -> TaskResult:
        return next(t for t in self.tasks if t.id == task_id)
