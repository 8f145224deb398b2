"""The API's request and response bodies (frozen, extra fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path as PathParam
from pydantic import Field

from grader.frozen import Frozen
from grader.service.course import Visibility
from grader.service.visibility import ShownReport

# a row id in an address: bounded as the databases' integers are (a larger one was a 500 on SQLite)
RowId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


class SheetInfo(Frozen):
    id: str
    title: str
    opens: datetime | None
    deadline: datetime | None
    attempts_used: int
    attempts_max: int | None
    min_interval_s: float | None
    counts: str
    late_policy: str
    visibility_now: Visibility


class Me(Frozen):
    role: str
    id: str | None
    name: str
    csrf_token: str | None = Field(None, description="echo it in X-CSRF-Token (cookie sessions only)")
    sheets: list[SheetInfo]


class SubmissionInfo(Frozen):
    id: int
    sheet: str
    student: str
    filename: str = Field(description="as the student named it (plain text: escape it when showing it)")
    size: int
    sha256: str
    created_at: datetime
    status: str = Field(description="queued, running or done")
    queue_position: int | None = Field(None, description="jobs ahead of this one")
    late_seconds: float
    status_url: str
    report_url: str


class Feedback(Frozen):
    submission: SubmissionInfo
    feedback: ShownReport
    penalty_factor: float = Field(description="what remains of the score after the late penalty")


class History(Frozen):
    sheet: str
    student: str
    counted: int | None = Field(description="the submission that goes to the gradebook")
    submissions: list[SubmissionInfo]


class ClassRow(Frozen):
    student: str
    name: str
    submissions: int
    counted: int | None
    score: float | None = Field(description="counted score after manual points and late penalty")
    max_score: float | None
    pending_points: float | None
    late: bool
    run_status: str | None


class QueueEntry(Frozen):
    job: int
    submission: int
    sheet: str
    student: str
    state: str
    runs: int
    regrade: int | None
    created_at: datetime


class Applied(Frozen):
    sheet: str
    points: int


class RegradeStarted(Frozen):
    id: int
    jobs: int
    result_url: str
