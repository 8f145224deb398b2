"""A TA's manual score belongs to the answer it was given for: a student who resubmits the same
answer keeps it; a changed answer is pending again, flagged on the TA pages with the old score
offered; scores stored before answers were recorded keep applying; the schema upgrade keeps them."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from grader.report import ScoreReport
from grader.report.located import Located, LocatedBlock, answer_digest
from grader.sandbox.process import ProcessRunner
from grader.service import admin
from grader.service.app import create_app
from grader.service.db import ManualPoint, _alembic, make_engine, reading, transaction
from grader.service.state import Service, open_service
from tests.report.review.conftest import GOLDEN, tagged, with_located
from tests.service.conftest import EXAMPLES, offer, store_graded, upload, wait_done, write_course
from tests.service.postgres import create_database

HOSTILE = "<script>alert(1)</script>"
POINT = ("1.1", "1.1-a-to-e")
REVIEW = "/ta/sheets/inf264-ex4/review/1.1-1.1-a-to-e"
CSV_API = "/api/ta/sheets/inf264-ex4/manual-points"
CSV = "student,task,point,max_points,points,comment\nalice,1.1,1.1-a-to-e,1,{points},\n"
FLAG = "The answer changed since it was scored (1/1 on submission #{})"
BASE = ScoreReport.model_validate_json((GOLDEN / "alice.json").read_text())


@dataclass
class Course:
    svc: Service
    links: dict[str, str]

    def client(self, who: str) -> TestClient:
        client = TestClient(create_app(self.svc))  # no lifespan: the reports are stored as graded
        assert client.get(f"/login?token={self.links[who]}", follow_redirects=False).status_code == 303
        return client

    def submit(self, student: str, answer: Located) -> int:
        """A graded submission whose answer to 1.1-a-to-e is ``answer`` (the other points: one text)."""
        report = with_located(BASE.model_copy(update={"student": student}),
                              lambda _s, c: answer if c.answer == POINT[1] else tagged("other"))
        return store_graded(self.svc.factory, report)

    def table(self) -> dict[str, Any]:
        return {r["student"]: r for r in self.client("ta").get("/api/ta/sheets/inf264-ex4/class").json()}


@pytest.fixture
def course(tmp_path: Path, db_url: str | None) -> Iterator[Course]:
    folder = write_course(tmp_path / "course", [offer()])
    url = admin.database_url(folder, db_url, None)
    imported = admin.import_roster(folder, folder / "roster.csv", folder / "links.csv", "http://x", url)
    links = {p.id: s for p, s in imported.imported.links}
    links["ta"] = admin.ta_token(url, "Tess TA")
    yield Course(open_service(folder, lambda sheet: ProcessRunner(sheet.spec.limits), db=db_url, workers=1),
                 links)


def _feedback_check(course: Course, submission: int) -> dict[str, Any]:
    """Point 1.1-a-to-e as alice reads it in her feedback."""
    report = course.client("alice").get(f"/api/submissions/{submission}/report").json()["feedback"]["report"]
    return next(c for t in report["tasks"] for c in t["checks"] if c["answer"] == POINT[1])


def _score_on_student_page(course: Course, points: str, comment: str) -> None:
    ta = course.client("ta")
    form = {"sheet": "inf264-ex4", "task": POINT[0], "point": POINT[1], "max_points": "1", "points": points,
            "comment": comment, "csrf": ta.get("/api/me").json()["csrf_token"]}
    assert ta.post("/ta/students/alice/points", data=form, follow_redirects=False).status_code == 303


def _review_form(page: str, csrf: str) -> dict[str, str]:
    """The review page's form as the browser sends it unchanged: hidden fields and the boxes' values."""
    fields = re.findall(r'name="((?:students|shown)-g\d+)" value="([^"]*)"', page)
    boxes = re.findall(r'name="points-(g\d+)"[^>]*value="([^"]*)"', page)
    comments = re.findall(r'name="comment-(g\d+)"[^>]*>([^<]*)</textarea>', page)
    return {"csrf": csrf, **{name: html.unescape(value) for name, value in fields},
            **{f"points-{g}": html.unescape(v) for g, v in boxes},
            **{f"comment-{g}": html.unescape(v) for g, v in comments}}


def test_the_same_answer_resubmitted_keeps_its_score(course: Course) -> None:
    first = course.submit("alice", tagged("(a) re-init"))
    _score_on_student_page(course, "1", "right")
    before = course.table()["alice"]["score"]
    # Same content found differently (heading, other cells, other notes): the same answer
    moved = Located(how="heading", detail="under heading 1.1", flags=["two cells claim it"],
                    blocks=[b.model_copy(update={"cell": 12}) for b in tagged("(a) re-init").blocks])
    second = course.submit("alice", moved)
    assert course.table()["alice"]["counted"] == second and course.table()["alice"]["score"] == before
    check = _feedback_check(course, second)
    assert check["status"] == "passed" and "right" in check["message"]
    with reading(course.svc.factory) as session:
        row = session.scalars(select(ManualPoint)).one()
        assert (row.submission_id, row.answer_sha256) == (first, answer_digest(tagged("(a) re-init")))
    assert "answer changed since" not in course.client("ta").get("/ta/students/alice").text


def test_a_changed_answer_is_pending_again_and_flagged_with_the_old_score(course: Course) -> None:
    first = course.submit("alice", tagged("(a) re-init"))
    course.submit("bob", tagged("(a) re-init"))
    _score_on_student_page(course, "1", f"{HOSTILE} good")
    scored = course.table()["alice"]
    second = course.submit("alice", tagged("(a) something else entirely"))
    now = course.table()["alice"]
    assert now["counted"] == second and now["score"] == pytest.approx(scored["score"] - 1)
    assert now["pending_points"] == pytest.approx(scored["pending_points"] + 1)
    assert _feedback_check(course, second)["status"] == "pending"
    assert _feedback_check(course, first)["status"] == "passed"  # the old attempt keeps its score

    ta = course.client("ta")
    page = ta.get("/ta/students/alice").text
    assert FLAG.format(first) in page and HOSTILE not in page
    assert ">&lt;script&gt;alert(1)&lt;/script&gt; good</textarea>" in page  # offered, escaped
    assert re.search(r'name="points" type="number" step="any" required\s+value="1"', page)
    index = ta.get("/ta/sheets/inf264-ex4/review").text  # 4 manual points, 2 students
    assert "0 of 8 scored" in index and "<td>0 of 2</td>" in index
    review = ta.get(REVIEW).text
    assert FLAG.format(first) in review and "0 of 2 scored" in review and HOSTILE not in review
    anonymous = ta.get(f"{REVIEW}?anonymous=true").text  # the number would lead to her name
    assert "(1/1 on an earlier submission)" in anonymous and f"#{first}" not in anonymous

    csrf = ta.get("/api/me").json()["csrf_token"]
    unchanged = ta.post(REVIEW, data=_review_form(review, csrf), follow_redirects=False)
    assert unchanged.status_code == 303  # the old score is shown, not in the boxes: nothing re-applied
    assert course.table()["alice"]["score"] == pytest.approx(now["score"])
    alice = re.search(r'name="points-(g\d+)"', review[review.index(FLAG.format(first)):])
    assert alice is not None
    form = {**_review_form(review, csrf), f"points-{alice[1]}": "1", f"comment-{alice[1]}": f"{HOSTILE} good"}
    saved = ta.post(REVIEW, data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("saved=1")  # alice's only
    assert course.table()["alice"]["score"] == pytest.approx(scored["score"])
    check = _feedback_check(course, second)
    assert check["status"] == "passed" and f"{HOSTILE} good" in check["message"]
    assert "answer changed since" not in ta.get("/ta/students/alice").text
    assert "1 of 2 scored" in ta.get(REVIEW).text


def test_rescoring_on_the_student_page_applies_to_the_new_answer(course: Course) -> None:
    first = course.submit("alice", tagged("(a) re-init"))
    _score_on_student_page(course, "1", "")
    course.submit("alice", Located(how="not_located", detail="no heading 1.1"))  # not located: changed
    assert FLAG.format(first) in course.client("ta").get("/ta/students/alice").text
    _score_on_student_page(course, "0", "no answer found")
    assert "answer changed since" not in course.client("ta").get("/ta/students/alice").text
    with reading(course.svc.factory) as session:
        assert session.scalars(select(ManualPoint.answer_sha256)).one() == answer_digest(None)


def test_a_score_stored_before_answers_were_recorded_applies_to_any_answer(course: Course) -> None:
    course.submit("alice", tagged("(a) re-init"))
    before = course.table()["alice"]["score"]
    with transaction(course.svc.factory) as session:
        session.add(ManualPoint(sheet_id="inf264-ex4", student_id="alice", task=POINT[0], point=POINT[1],
                                points=1.0, comment="legacy"))
    course.submit("alice", tagged("(a) a new answer"))
    assert course.table()["alice"]["score"] == pytest.approx(before + 1)
    assert "answer changed since" not in course.client("ta").get("/ta/students/alice").text


def test_the_csv_upload_records_the_counted_answer(course: Course) -> None:
    course.submit("alice", tagged("(a) old"))
    counted = course.submit("alice", tagged("(a) new", image=True))
    ta = course.client("ta")  # a cookie session: the API wants its CSRF token in a header
    ta.headers["x-csrf-token"] = ta.get("/api/me").json()["csrf_token"]
    assert ta.post(CSV_API, files={"file": ("o.csv", CSV.format(points="0.5"))}).status_code == 200
    with reading(course.svc.factory) as session:
        row = session.scalars(select(ManualPoint)).one()
    assert (row.submission_id, row.answer_sha256) == (counted, answer_digest(tagged("(a) new", image=True)))


def test_the_digest_is_the_answers_content_only() -> None:
    block = LocatedBlock(kind="markdown", cell=3, text="x")
    same = Located(how="heading", detail="other wording", flags=["a flag"],
                   blocks=[block.model_copy(update={"cell": 9})])
    assert answer_digest(Located(how="tag", detail="d", blocks=[block])) == answer_digest(same)
    assert answer_digest(None) == answer_digest(Located(how="not_located", detail="none"))
    for changed in ({"text": "y"}, {"kind": "code"}, {"truncated": True}):
        other = Located(how="tag", detail="d", blocks=[block.model_copy(update=changed)])
        assert answer_digest(other) != answer_digest(same)
    # outputs and figures follow from the code: a regrade drawing them again is no new answer
    def run(value: str, png: str) -> Located:
        return Located(how="tag", detail="d", blocks=[block, LocatedBlock(kind="output", cell=3, text=value),
                                                      LocatedBlock(kind="image", cell=3, png_base64=png)])
    assert answer_digest(run("0.1", "AA")) == answer_digest(run("0.4", "BB"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'grader.db'}"
    return create_database(request.getfixturevalue("postgres_server"))


def test_a_database_at_0001_upgrades_and_keeps_its_manual_points(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    command.upgrade(_alembic(engine), "0001")
    assert "answer_sha256" not in {c["name"] for c in inspect(engine).get_columns("manual_points")}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO students (id, name, email) VALUES ('alice', 'A', 'a@x')"))
        conn.execute(text("INSERT INTO manual_points (sheet_id, student_id, task, point, points, comment) "
                          "VALUES ('s', 'alice', '1.1', 'p', 0.5, 'kept')"))
    command.upgrade(_alembic(engine), "head")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT student_id, points, comment, submission_id, answer_sha256 "
                                 "FROM manual_points")).all()
    assert [tuple(r) for r in rows] == [("alice", 0.5, "kept", None, None)]
    engine.dispose()


@pytest.mark.runs_code
def test_a_graded_notebook_resubmitted_keeps_or_loses_its_score(live: Any) -> None:
    """Real grading: the same notebook again keeps the score; a changed 1.1 answer cell loses it."""
    notebook = EXAMPLES / "alice" / "exercise4.ipynb"
    server = live()
    with server.client("alice") as alice, server.client("ta") as ta:
        first = upload(alice, "inf264-ex4", "exercise4.ipynb", notebook.read_bytes()).json()
        wait_done(alice, first)
        assert ta.post(CSV_API, files={"file": ("o.csv", CSV.format(points="1"))}).status_code == 200
        scored = {r["student"]: r for r in ta.get("/api/ta/sheets/inf264-ex4/class").json()}["alice"]
        again = upload(alice, "inf264-ex4", "exercise4.ipynb", notebook.read_bytes()).json()
        wait_done(alice, again)
        table = {r["student"]: r for r in ta.get("/api/ta/sheets/inf264-ex4/class").json()}["alice"]
        assert table["counted"] == again["id"] and table["score"] == pytest.approx(scored["score"])
        nb = json.loads(notebook.read_text())
        assert nb["cells"][1]["source"][0].startswith("### 1.1")
        nb["cells"][1]["source"] = ["### 1.1 Preliminaries\n", "(a) I do not know."]
        changed = upload(alice, "inf264-ex4", "exercise4.ipynb", json.dumps(nb).encode()).json()
        wait_done(alice, changed)
        table = {r["student"]: r for r in ta.get("/api/ta/sheets/inf264-ex4/class").json()}["alice"]
        assert table["counted"] == changed["id"] and table["score"] == pytest.approx(scored["score"] - 1)
        assert FLAG.format(first["id"]) in ta.get("/ta/students/alice").text
