"""The TA dashboard's grade-by-question page: counted submissions' located answers, saved through
the TA API's check; TAs only, with the session's CSRF token."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from grader.report import ScoreReport
from grader.report.located import Located
from grader.sandbox.process import ProcessRunner
from grader.service import admin
from grader.service.app import create_app
from grader.service.state import Service, open_service
from tests.report.review.conftest import GOLDEN, tagged, with_located
from tests.service.conftest import offer, store_graded, write_course

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
    return store_graded(svc.factory, report, f"{student}.py")


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
    """The page's hidden fields, as the browser sends them: each group's students and shown score."""
    fields = re.findall(r'name="((?:students|shown)-g\d+)" value="([^"]*)"', page)
    return {"csrf": csrf, **{name: html.unescape(value) for name, value in fields}}


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


def test_anonymous_grading_shows_pseudonyms_only(course: Course) -> None:
    """No id, name or submission link in the page or its form, before or after a save; the form's
    pseudonyms are stored as the students' points."""
    ta = course.client("ta")
    csrf = ta.get("/api/me").json()["csrf_token"]
    page = ta.get(f"{PAGE}?anonymous=true").text
    members = re.findall(r"<li>([^<]*)</li>", page.split('class="members"', 1)[1])
    assert members and all(m.startswith("student-") for m in members)
    main = page.split("<main", 1)[1]
    assert not [w for w in ("alice", "bob", "Alice A", "/submissions/") if w in main]
    assert ta.get(f"{PAGE}?anonymous=true").text == page  # stable
    form = {**_form(page, csrf), "points-g1": "1", "points-g2": "0"}
    assert all(json.loads(form[k])[0].startswith("student-") for k in form if k.startswith("students-"))
    saved = ta.post(f"{PAGE}?anonymous=true", data=form)
    assert saved.status_code == 200 and "Saved 3 score(s)" in saved.text  # after the redirect
    assert not [w for w in ("alice", "bob", "Alice A") if w in saved.text.split("<main", 1)[1]]
    table = {r["student"]: r["pending_points"] for r in ta.get("/api/ta/sheets/inf264-ex4/class").json()}
    before = ScoreReport.model_validate_json((GOLDEN / "alice.json").read_text()).pending_points
    assert table == {s: before - 1 for s in ("alice", "bob", "carol")}


def test_a_stale_page_does_not_overwrite_a_newer_score(course: Course) -> None:
    """Two TAs on one page: the second save, from the page as it was, is refused for the students
    the first one scored since (both scores named), and saved for the others."""
    first, second = course.client("ta"), course.client("ta")
    csrf1, csrf2 = (c.get("/api/me").json()["csrf_token"] for c in (first, second))
    stale = second.get(PAGE).text
    assert first.post(PAGE, data={**_form(first.get(PAGE).text, csrf1), "points-g1": "1",
                                  "comment-g1": "both right"}).status_code == 200
    refused = second.post(PAGE, data={**_form(stale, csrf2), "points-g1": "0", "points-g2": "0.25"})
    text = html.unescape(refused.text)
    assert refused.status_code == 409 and "Saved 1 score(s)" in text, text
    for who in ("alice (Alice A)", "bob (Bob B)"):
        assert f'{who}: this page showed no score, but 1 ("both right") was saved since; ' \
               "your 0 was not saved" in text
    assert ">both right</textarea>" in refused.text  # the newer score, in the boxes now
    table = {r["student"]: r["pending_points"] for r in first.get("/api/ta/sheets/inf264-ex4/class").json()}
    before = ScoreReport.model_validate_json((GOLDEN / "alice.json").read_text()).pending_points
    assert table == {s: before - 1 for s in ("alice", "bob", "carol")}
    assert "3 of 3 scored" in first.get(PAGE).text
