"""The queue: jobs are rows. Claiming one is atomic (one writer on SQLite; ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL), and a job is marked done in the same transaction that stores its report,
so a crash at any moment leaves it either queued, running (re-queued at start-up) or done."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.service.db import JobRow, SubmissionRow, now, transaction


@dataclass(frozen=True)
class Claimed:
    job_id: int
    submission_id: int
    student_id: str
    sheet_id: str
    filename: str
    sha256: str
    run: int  # 1 for a first run; more when a crash interrupted earlier ones


def enqueue(session: Session, submission_id: int, regrade_id: int | None = None) -> JobRow:
    job = JobRow(submission_id=submission_id, regrade_id=regrade_id, state="queued", runs=0,
                 created_at=now())
    session.add(job)
    return job


def claim(factory: sessionmaker[Session]) -> Claimed | None:
    with transaction(factory) as session:
        return _claim(session)


def finish(factory: sessionmaker[Session], claimed: Claimed, report_json: str, score: float,
           max_score: float, *, then_claim: bool) -> Claimed | None:
    """Store a job's report; with ``then_claim``, claim the next job in the same transaction (a
    worker under load then waits for one commit per job, not two)."""
    with transaction(factory) as session:
        job = session.get_one(JobRow, claimed.job_id)
        sub = session.get_one(SubmissionRow, claimed.submission_id)
        sub.report_json, sub.score, sub.max_score = report_json, score, max_score
        sub.status, sub.graded_at = "done", now()
        job.state, job.finished_at = "done", now()
        return _claim(session) if then_claim else None


def _claim(session: Session) -> Claimed | None:
    job = session.scalar(select(JobRow).where(JobRow.state == "queued").order_by(JobRow.id)
                         .limit(1).with_for_update(skip_locked=True))
    if job is None:
        return None
    job.state, job.claimed_at, job.runs = "running", now(), job.runs + 1
    sub = session.get_one(SubmissionRow, job.submission_id)
    if sub.report_json is None:
        sub.status = "running"
    return Claimed(job.id, sub.id, sub.student_id, sub.sheet_id, sub.filename, sub.sha256, job.runs)


def release(factory: sessionmaker[Session], claimed: Claimed) -> None:
    """Back to the queue, unrun (e.g. the sheet's lock is stale until a TA runs ``grader lock``, or
    the pool stopped as this job was claimed): as if it had never been claimed."""
    with transaction(factory) as session:
        job = session.get_one(JobRow, claimed.job_id)
        job.state, job.claimed_at, job.runs = "queued", None, max(0, job.runs - 1)
        sub = session.get_one(SubmissionRow, claimed.submission_id)
        if sub.report_json is None:
            sub.status = "queued"


def recover(factory: sessionmaker[Session]) -> int:
    """At start-up: jobs a killed server was running go back to the queue (one server per database)."""
    with transaction(factory) as session:
        result = session.execute(update(JobRow).where(JobRow.state == "running").values(state="queued"))
        return int(getattr(result, "rowcount", 0) or 0)


def waiting(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(JobRow)
                              .where(JobRow.state.in_(("queued", "running")))) or 0)


def position(session: Session, submission_id: int) -> int | None:
    """Jobs ahead of this submission's pending one, or None when it has none."""
    mine = session.scalar(select(func.min(JobRow.id)).where(JobRow.submission_id == submission_id,
                                                            JobRow.state == "queued"))
    if mine is None:
        return None
    return int(session.scalar(select(func.count()).select_from(JobRow)
                              .where(JobRow.state == "queued", JobRow.id < mine)) or 0)
