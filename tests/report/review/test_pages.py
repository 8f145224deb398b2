"""OUT/review/: the index, one page per manual point, grouping, prefilled scores, pseudonyms."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

from markupsafe import escape

from grader.report import ScoreReport
from grader.report.located import answer_digest
from grader.report.review.pages import point_views, write_review
from grader.report.review.points import manual_points
from tests.report.review.conftest import GOLDEN, tagged, with_located

HOSTILE = '"><svg onload=alert(1)>'


def _data(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S)
    assert found, "the page embeds the data its Save as CSV button needs"
    return json.loads(found.group(1))


def test_a_page_per_manual_point_with_rubric_answers_and_progress(graded) -> None:
    sheet, out = graded({"alice": tagged("**(a)** re-init", "(b) local minima"),
                         "bob": tagged("(a) RE-INIT\n\n(b)   local minima."),  # the same, near enough
                         "carol_wrong_gradient": tagged("(a) no idea")})
    (out / "alice" / "submission.html").write_text("<html>ran</html>")
    views = write_review(sheet, out)
    assert [v.point.slug for v in views] == ["1.1-1.1-a-to-e", "1.2-1.2-c-collapsed-form", "1.3-1.3-a-to-c",
                                             "1.4-1.4-c"]
    page = (out / "review" / "1.1-1.1-a-to-e.html").read_text()
    assert "Task 1.1: Playground preliminaries" in page and "re-initialises the weights" in page  # the prompt
    assert "0 of 7 scored; 6 distinct answers." in page
    first = views[0].groups[0]
    assert first.students == ["alice", "bob"] and "2 students gave this answer" in page
    assert 'href="../alice/submission.html"' in page and "../bob/submission.html" not in page
    assert 'step="0.25"' in page and 'max="1"' in page
    members = {g.id: [[a.student, answer_digest(a.located)] for a in g.answers] for g in views[0].groups}
    columns = ["student", "task", "point", "max_points", "points", "comment", "answer"]
    assert _data(page) == {"columns": columns, "task": "1.1", "point": "1.1-a-to-e", "max": "1",
                           "file": "1.1-1.1-a-to-e.csv", "groups": members, "served": False}
    index = (out / "review" / "index.html").read_text()
    assert "0 of 28 scored." in index and 'href="1.4-1.4-c.html"' in index


def test_scores_come_from_the_reports_then_from_overrides_csv(graded) -> None:
    sheet, out = graded({"alice": tagged("same"), "bob": tagged("same")})
    report = ScoreReport.model_validate_json((out / "alice" / "report.json").read_text())
    (out / "overrides.csv").write_text("student,task,point,max_points,points,comment\n"
                                       "bob,1.1,1.1-a-to-e,1,0.5,half <b>right</b>\n")
    views = point_views(sheet, out)
    answers = {a.student: a for a in views[0].answers}
    assert answers["bob"].points == "0.5" and answers["bob"].comment == "half <b>right</b>"
    assert not answers["alice"].scored and report.tasks[0].checks[-1].status == "pending"
    assert [g.students for g in views[0].groups][:2] == [["alice"], ["bob"]]  # scored apart: not grouped
    write_review(sheet, out)
    assert "half &lt;b&gt;right&lt;/b&gt;</textarea>" in (out / "review" / "1.1-1.1-a-to-e.html").read_text()


def test_anonymous_pages_show_stable_pseudonyms_and_no_id_anywhere(graded) -> None:
    sheet, out = graded({"alice": tagged("x")})
    write_review(sheet, out, anonymous=True)
    page = (out / "review" / "1.1-1.1-a-to-e.html").read_text()
    shown = re.findall(r'<li class="member"[^>]*>([^<]*)</li>', page)
    assert len(shown) == 7 and all(s.startswith("student-") for s in shown) and "alice" not in shown
    students = [a.student for a in point_views(sheet, out)[0].answers]
    assert not [s for s in students if s in page]  # not in the form, the script's data or a link
    assert _data(page)["groups"] == {} and 'id="save-csv"' not in page  # a CSV would name them
    index = (out / "review" / "index.html").read_text()
    assert "--anonymous --serve" in index and "Save as CSV" not in index
    secret = out / "review" / ".secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    write_review(sheet, out, anonymous=True)
    again = re.findall(r'<li class="member"[^>]*>([^<]*)</li>',
                       (out / "review" / "1.1-1.1-a-to-e.html").read_text())
    assert again == shown


def test_hostile_student_ids_and_sheet_labels_stay_text(graded, tmp_path: Path) -> None:
    report = ScoreReport.model_validate_json((GOLDEN / "alice.json").read_text())
    evil = with_located(report.model_copy(update={"student": HOSTILE}),
                        lambda _s, _c: tagged("<script>alert(1)</script>", "</textarea><script>x</script>"))
    sheet, out = graded(extra=[evil])
    write_review(sheet, out)
    page = (out / "review" / "1.1-1.1-a-to-e.html").read_text()
    assert HOSTILE not in page and str(escape(HOSTILE)) in page
    assert "<svg" not in page and page.count("<script") == 2  # the data and the page's own script
    assert any(member[0] == HOSTILE for members in _data(page)["groups"].values()  # type: ignore[attr-defined]
               for member in members)


def test_point_file_names_are_safe_and_distinct(graded) -> None:
    sheet, _out = graded()
    task = sheet.spec.tasks[0]
    odd = [task.checks[-1].model_copy(update={"answer": label}) for label in ("../../etc/x", "A b", "a_b")]
    spec = sheet.spec.model_copy(update={"tasks": [task.model_copy(update={"checks": [*task.checks, *odd]})]})
    slugs = [p.slug for p in manual_points(type(sheet)(spec, sheet.folder))]
    assert slugs == ["1.1-1.1-a-to-e", "1.1-.._.._etc_x", "1.1-A_b", "1.1-a_b-2"]
    assert all("/" not in s for s in slugs)


def test_a_sheet_without_manual_points_has_an_empty_review(graded) -> None:
    sheet, out = graded()
    tasks = [t.model_copy(update={"checks": [c for c in t.checks if c.kind != "manual"] or t.checks[:0]})
             for t in sheet.spec.tasks]
    spec = sheet.spec.model_copy(update={"tasks": [t for t in tasks if t.checks]})
    assert write_review(type(sheet)(spec, sheet.folder), out) == []
    assert "This sheet has no manual points." in (out / "review" / "index.html").read_text()


def test_answers_are_in_the_order_of_the_names_shown(graded) -> None:
    sheet, out = graded()
    shown = [[point_views(sheet, out, anonymous)[0].names[a.student] for a in
              point_views(sheet, out, anonymous)[0].answers] for anonymous in (False, True)]
    assert all(names == sorted(names) for names in shown)
