"""A TA's save scores the answer the TA's page showed: the per-student form and the review page carry
the digest of each answer shown, and a save for a student who handed in another answer since is
refused (409, naming the student), the others of the same save stored. Two saves of one point:
the last wins (an upsert, also on PostgreSQL)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from grader.report.located import answer_digest
from grader.service import ta_api
from grader.service.db import ManualPoint, reading, transaction
from tests.report.review.conftest import tagged
from tests.service.test_manual_follow_answer import (
    CSV,
    POINT,
    REVIEW,
    Course,
    _feedback_check,
    _review_form,
    course,  # noqa: F401  (the fixture `taught` wraps)
)

CHANGED = "changed since this page was loaded"


@pytest.fixture
def taught(course: Course) -> Course:  # noqa: F811
    """test_manual_follow_answer's course (SQLite and PostgreSQL): alice and bob, one sheet."""
    return course


def _stored(taught: Course, student: str) -> list[float]:
    with reading(taught.svc.factory) as session:
        return list(session.scalars(select(ManualPoint.points).where(ManualPoint.student_id == student)))


def _point_form(page: str) -> dict[str, str]:
    """The per-student page's form of point 1.1-a-to-e, as the browser sends it, given 1 point."""
    form = re.search(r'<form[^>]*aria-label="1\.1 1\.1-a-to-e">(.*?)</form>', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[1]))
    return {**{k: html.unescape(v) for k, v in fields.items()}, "points": "1", "comment": "read it"}


def test_the_student_page_refuses_a_save_for_an_answer_handed_in_after_it_was_loaded(taught: Course) -> None:
    taught.submit("alice", tagged("(a) re-init the weights"))
    ta = taught.client("ta")
    form = _point_form(ta.get("/ta/students/alice").text)
    assert form["answer"] == answer_digest(tagged("(a) re-init the weights"))
    second = taught.submit("alice", tagged("(a) I do not know"))
    refused = ta.post("/ta/students/alice/points", data=form, follow_redirects=False)
    assert refused.status_code == 409
    assert f"alice's answer to {POINT[0]} {POINT[1]} {CHANGED}" in html.unescape(refused.text)
    assert _feedback_check(taught, second)["status"] == "pending"
    again = _point_form(refused.text)  # the refusal shows the new answer's form: it saves
    assert ta.post("/ta/students/alice/points", data=again, follow_redirects=False).status_code == 303
    assert _feedback_check(taught, second)["score"] == 1


def test_a_review_save_refuses_only_the_student_whose_answer_changed(taught: Course) -> None:
    taught.submit("alice", tagged("(a) re-init the weights"))
    taught.submit("bob", tagged("(a) re-init the weights"))
    ta = taught.client("ta")
    page = ta.get(REVIEW).text
    assert page.count('name="points-g') == 1  # one group of both: one score for the two
    second = taught.submit("alice", tagged("(a) I do not know"))
    form = {**_review_form(page, ta.get("/api/me").json()["csrf_token"]), "points-g1": "1"}
    refused = ta.post(REVIEW, data=form, follow_redirects=False)
    assert refused.status_code == 409
    assert f"alice (Alice A): the answer {CHANGED}" in html.unescape(refused.text)
    assert _feedback_check(taught, second)["status"] == "pending"
    assert _stored(taught, "bob") == [1.0] and _stored(taught, "alice") == []


def test_a_review_form_without_the_answers_shown_still_saves(taught: Course) -> None:
    """A page rendered before its form recorded the answers (or the batch's, which has none)."""
    first = taught.submit("alice", tagged("(a) re-init the weights"))
    ta = taught.client("ta")
    form = {**_review_form(ta.get(REVIEW).text, ta.get("/api/me").json()["csrf_token"]), "points-g1": "1",
            "shown-g1": '["", ""]'}
    assert ta.post(REVIEW, data=form, follow_redirects=False).status_code == 303
    assert _feedback_check(taught, first)["score"] == 1


def test_a_record_of_the_answers_shown_that_does_not_match_the_students_is_refused(taught: Course) -> None:
    first = taught.submit("alice", tagged("(a) re-init the weights"))
    ta = taught.client("ta")
    form = {**_review_form(ta.get(REVIEW).text, ta.get("/api/me").json()["csrf_token"]), "points-g1": "1",
            "shown-g1": '["", "", []]'}
    refused = ta.post(REVIEW, data=form, follow_redirects=False)
    assert refused.status_code == 422 and "record of the scores shown is broken" in refused.text
    assert _feedback_check(taught, first)["status"] == "pending"


def test_the_last_save_of_a_point_wins_and_one_row_is_kept(taught: Course) -> None:
    taught.submit("alice", tagged("(a) re-init the weights"))
    offered = taught.svc.course.offer("inf264-ex4")
    assert offered is not None
    with transaction(taught.svc.factory) as session:
        ta_api.store_points(session, *offered, CSV.format(points="1"))
    with transaction(taught.svc.factory) as session:  # a later row of the same CSV wins too
        both = CSV.format(points="0.5") + CSV.format(points="0").split("\n", 1)[1]
        assert ta_api.store_points(session, *offered, both) == 2
    with reading(taught.svc.factory) as session:
        stored = [(m.student_id, m.task, m.point, m.points) for m in session.scalars(select(ManualPoint))]
    assert stored == [("alice", *POINT, 0.0)]
