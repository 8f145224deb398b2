"""The TA dashboard's grade-by-question page: counted submissions' located answers, saved through
the TA API's check; TAs only, with the session's CSRF token."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from grader.report import ScoreReport
from grader.report.located import Located
from grader.sandbox.process import ProcessRunner
from grader.service import admin
from grader.service.app import create_app
from grader.service.db import SubmissionRow, transaction
from grader.service.state import Service, open_service
from tests.report.review.conftest import GOLDEN, tagged, with_located
from tests.service.conftest import offer, write_course

HOSTILE = "<script>alert(1)</script>"
ROSTER = ("id,name,email\nalice,Alice A,a@example.org\nbob,Bob B,b@example.org\n"
          f"carol,{HOSTILE},c@example.org\n")
PAGE = "/ta/sheets/inf264-ex4/review/1.1-1.1-a-to-e"
ANSWERS = {"alice": tagged("(a) re-init"), "bob": tagged("(A) Re-init."),
           "carol": tagged(f"{HOSTILE} [x](javascript:alert(1))")}


@dataclass
class Course:
    svc: Service
    links: dict[str, str]
    submissions: dict[str, int]

    def client(self, who: str) -> TestClient:
        client = TestClient(create_app(self.svc))  # no lifespan: nothing is graded here
        assert client.get(f"/login?token={self.links[who]}", follow_redirects=False).status_code == 303
        return client


def _graded(svc: Service, student: str, answer: Located) -> int:
    report = ScoreReport.model_validate_json((GOLDEN / "alice.json").read_text())
    report = with_located(report.model_copy(update={"student": student}), lambda _s, _c: answer)
    now = datetime.now(timezone.utc)
    with transaction(svc.factory) as session:
        row = SubmissionRow(student_id=student, sheet_id="inf264-ex4", filename=f"{student}.py",
                            sha256="0" * 64, size=1, created_at=now, status="done",
                            report_json=report.model_dump_json(), score=report.score,
                            max_score=report.max_score, graded_at=now)
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def course(tmp_path: Path) -> Iterator[Course]:
    folder = write_course(tmp_path / "course", [offer()])
    (folder / "roster.csv").write_text(ROSTER)
    url = admin.database_url(folder, None, None)
    imported = admin.import_roster(folder, folder / "roster.csv", folder / "links.csv", "http://x", url)
    links = {p.id: s for p, s in imported.imported.links}
    links["ta"] = admin.ta_token(url, "Tess TA")
    svc = open_service(folder, lambda sheet: ProcessRunner(sheet.spec.limits), workers=1)
    yield Course(svc, links, {s: _graded(svc, s, a) for s, a in ANSWERS.items()})


def _form(page: str, csrf: str) -> dict[str, str]:
    groups = re.findall(r'name="students-(g\d+)" value="([^"]*)"', page)
    return {"csrf": csrf, **{f"students-{g}": html.unescape(s) for g, s in groups}}


def test_a_ta_scores_a_point_for_three_students_on_one_page(course: Course) -> None:
    ta = course.client("ta")
    csrf = ta.get("/api/me").json()["csrf_token"]
    index = ta.get("/ta/sheets/inf264-ex4/review")
    assert index.status_code == 200 and "0 of 12 scored" in index.text and f'href="{PAGE}"' in index.text
    page = ta.get(PAGE)
    assert page.status_code == 200 and "re-initialises the weights" in page.text  # the rubric
    assert "0 of 3 scored; 2 distinct answers." in page.text and "alice (Alice A)" in page.text
    assert HOSTILE not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'href="javascript:' not in page.text
    assert f'href="/submissions/{course.submissions["alice"]}"' in page.text
    form = {**_form(page.text, csrf), "points-g1": "1", "comment-g1": "both right", "points-g2": "0.25"}
    saved = ta.post(PAGE, data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?saved=3"
    assert "Saved 3 score(s)" in ta.get(saved.headers["location"]).text
    table = {r["student"]: r for r in ta.get("/api/ta/sheets/inf264-ex4/class").json()}
    before = ScoreReport.model_validate_json((GOLDEN / "alice.json").read_text()).score
    assert table["alice"]["score"] == pytest.approx(before + 1)
    assert table["bob"]["score"] == pytest.approx(before + 1)
    assert table["carol"]["score"] == pytest.approx(before + 0.25)
    assert "3 of 3 scored" in ta.get(PAGE).text and ">both right</textarea>" in ta.get(PAGE).text


def test_bad_points_are_shown_on_the_page_and_nothing_is_stored(course: Course) -> None:
    ta = course.client("ta")
    csrf = ta.get("/api/me").json()["csrf_token"]
    form = {**_form(ta.get(PAGE).text, csrf), "points-g1": "7", "comment-g1": "too many"}
    refused = ta.post(PAGE, data=form)
    assert refused.status_code == 422 and "points 7 outside 0…1" in html.unescape(refused.text)
    assert ">too many</textarea>" in refused.text  # what the TA typed stays
    assert "0 of 3 scored" in ta.get(PAGE).text


def test_a_save_without_the_sessions_csrf_token_is_refused(course: Course) -> None:
    ta = course.client("ta")
    form = {**_form(ta.get(PAGE).text, "forged"), "points-g1": "1"}
    assert ta.post(PAGE, data=form).status_code == 403
    assert ta.post(PAGE, data={k: v for k, v in form.items() if k != "csrf"}).status_code == 403
    assert "0 of 3 scored" in ta.get(PAGE).text


def test_students_cannot_see_or_post_and_unknown_pages_are_404(course: Course) -> None:
    alice = course.client("alice")
    csrf = alice.get("/api/me").json()["csrf_token"]
    assert alice.get("/ta/sheets/inf264-ex4/review").status_code == 403
    assert alice.get(PAGE).status_code == 403
    forged = {"csrf": csrf, "students-g1": '["alice"]', "points-g1": "1"}
    assert alice.post(PAGE, data=forged).status_code == 403
    ta = course.client("ta")
    assert ta.get("/ta/sheets/nope/review").status_code == 404
    assert ta.get("/ta/sheets/inf264-ex4/review/nope").status_code == 404


def test_anonymous_grading_shows_pseudonyms_until_saved(course: Course) -> None:
    ta = course.client("ta")
    page = ta.get(f"{PAGE}?anonymous=true").text
    members = re.findall(r"<li>([^<]*)</li>", page.split('class="members"', 1)[1])
    assert "alice" not in page.split("<main", 1)[1].split("students-g1")[0]
    assert any(m.startswith("student-") for m in members)
    assert ta.get(f"{PAGE}?anonymous=true").text == page  # stable
