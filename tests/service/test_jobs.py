"""The queue: first come first graded; a report stored and the next job claimed in one commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from grader.service import jobs
from grader.service.db import JobRow, Student, SubmissionRow, make_engine, now, reading, transaction, upgrade


@pytest.fixture
def factory(tmp_path: Path, db_url: str | None) -> sessionmaker[Session]:
    engine = make_engine(db_url or f"sqlite:///{tmp_path / 'grader.db'}")
    upgrade(engine)
    made = sessionmaker(engine, expire_on_commit=False)
    with transaction(made) as session:
        session.add(Student(id="alice", name="Alice", email="a@example.org"))
    return made


def submit(factory: sessionmaker[Session], n: int) -> list[int]:
    with transaction(factory) as session:
        rows = [SubmissionRow(student_id="alice", sheet_id="s", filename=f"f{i}.py", sha256=f"{i:064d}",
                              size=1, created_at=now(), status="queued") for i in range(n)]
        session.add_all(rows)
        session.flush()
        for row in rows:
            jobs.enqueue(session, row.id)
        return [row.id for row in rows]


def states(factory: sessionmaker[Session]) -> list[tuple[int, str, int]]:
    with reading(factory) as session:
        return [(j.submission_id, j.state, j.runs) for j in session.query(JobRow).order_by(JobRow.id)]


def test_finishing_a_job_claims_the_next_in_the_same_commit(factory: sessionmaker[Session]) -> None:
    first, second, third = submit(factory, 3)
    claimed = jobs.claim(factory)
    assert claimed is not None and claimed.submission_id == first and claimed.run == 1
    following = jobs.finish(factory, claimed, "{}", 1.0, 2.0, then_claim=True)
    assert following is not None and following.submission_id == second
    assert states(factory) == [(first, "done", 1), (second, "running", 1), (third, "queued", 0)]
    with reading(factory) as session:
        row = session.get_one(SubmissionRow, first)
        assert (row.status, row.report_json, row.score, row.max_score) == ("done", "{}", 1.0, 2.0)
        assert session.get_one(SubmissionRow, second).status == "running"


def test_a_worker_told_to_stop_claims_nothing_more(factory: sessionmaker[Session]) -> None:
    first, second = submit(factory, 2)
    claimed = jobs.claim(factory)
    assert claimed is not None
    assert jobs.finish(factory, claimed, "{}", 0.0, 1.0, then_claim=False) is None
    assert states(factory) == [(first, "done", 1), (second, "queued", 0)]


def test_the_last_job_finished_leaves_nothing_claimed(factory: sessionmaker[Session]) -> None:
    (only,) = submit(factory, 1)
    claimed = jobs.claim(factory)
    assert claimed is not None
    assert jobs.finish(factory, claimed, "{}", 0.0, 1.0, then_claim=True) is None
    assert jobs.claim(factory) is None
    assert states(factory) == [(only, "done", 1)]


def test_after_a_crash_running_jobs_are_queued_again_and_run_again(factory: sessionmaker[Session]) -> None:
    first, second = submit(factory, 2)
    claimed = jobs.claim(factory)
    assert claimed is not None
    assert jobs.finish(factory, claimed, "{}", 0.0, 1.0, then_claim=True) is not None  # then the kill
    assert jobs.recover(factory) == 1
    again = jobs.claim(factory)
    assert again is not None and again.submission_id == second and again.run == 2
    assert states(factory) == [(first, "done", 1), (second, "running", 2)]
