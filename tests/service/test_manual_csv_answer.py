"""An overrides CSV uploaded to the service: a row that records its answer (the ``answer`` column of
``grader review``) scores that answer, so a score of an answer changed since is stored flagged and
not applied; a CSV without the column scores the answers that count at upload, as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grader.report.located import answer_digest
from grader.service.db import ManualPoint, reading
from tests.report.review.conftest import tagged
from tests.service.test_manual_follow_answer import (
    CSV,
    CSV_API,
    FLAG,
    REVIEW,
    Course,
    _feedback_check,
    course,  # noqa: F401  (the fixture `taught` wraps)
)

OLD, NEW = tagged("(a) re-init the weights"), tagged("(a) I do not know")


@pytest.fixture
def taught(course: Course) -> Course:  # noqa: F811
    """test_manual_follow_answer's course (SQLite and PostgreSQL): alice and bob, one sheet."""
    return course


def _upload(taught: Course, text: str) -> None:
    ta = taught.client("ta")
    ta.headers["x-csrf-token"] = ta.get("/api/me").json()["csrf_token"]
    response = ta.post(CSV_API, files={"file": ("o.csv", text)})
    assert response.status_code == 200, response.text


def _with_answer(digest: str) -> str:
    header, row = CSV.format(points="1").splitlines()
    return f"{header},answer\n{row},{digest}\n"


def _stored(taught: Course) -> tuple[int | None, str | None]:
    with reading(taught.svc.factory) as session:
        row = session.scalars(select(ManualPoint)).one()
        return row.submission_id, row.answer_sha256


def test_a_row_for_the_answer_before_a_resubmission_is_stored_flagged_not_applied(taught: Course) -> None:
    first = taught.submit("alice", OLD)  # the answer the TA read in a batch
    second = taught.submit("alice", NEW)
    _upload(taught, _with_answer(answer_digest(OLD)))
    assert _feedback_check(taught, second)["status"] == "pending"
    assert _stored(taught) == (first, answer_digest(OLD))  # the submission that holds it
    assert FLAG.format(first) in taught.client("ta").get(REVIEW).text
    assert FLAG.format(first) in taught.client("ta").get("/ta/students/alice").text
    assert _feedback_check(taught, first)["status"] == "passed"  # the answer it was given for


def test_a_row_for_an_answer_never_handed_in_here_names_no_submission(taught: Course) -> None:
    second = taught.submit("alice", NEW)
    _upload(taught, _with_answer(answer_digest(OLD)))
    assert _stored(taught) == (None, answer_digest(OLD))
    assert _feedback_check(taught, second)["status"] == "pending"
    for page in (REVIEW, "/ta/students/alice"):
        assert "(1/1 on an earlier submission)" in taught.client("ta").get(page).text


def test_a_row_for_the_answer_that_counts_applies(taught: Course) -> None:
    taught.submit("alice", OLD)
    second = taught.submit("alice", NEW)
    _upload(taught, _with_answer(answer_digest(NEW)))
    assert _feedback_check(taught, second)["status"] == "passed"
    assert _stored(taught) == (second, answer_digest(NEW))


def test_a_csv_without_the_answer_column_scores_the_answer_that_counts(taught: Course) -> None:
    taught.submit("alice", OLD)
    second = taught.submit("alice", NEW)
    _upload(taught, CSV.format(points="1"))
    assert _feedback_check(taught, second)["status"] == "passed"
    assert _stored(taught) == (second, answer_digest(NEW))
