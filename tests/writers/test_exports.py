"""Gradescope results.json, the LMS CSV, the class summary and the Gradescope bundle."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from grader.grading.gradescope_bundle import write_bundle
from grader.report import ScoreReport
from grader.report.summary import summarize
from grader.report.writers import gradescope, lms_csv, summary
from grader.report.writers.batch import Batch
from grader.sheet import load_sheet

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def reports(sheet_id):
    files = sorted((GOLDEN / sheet_id).glob("*.json"))
    return [ScoreReport.model_validate_json(p.read_text()) for p in files]


def test_gradescope_results_validate_and_add_up():
    carol = next(r for r in reports("inf264-ex4") if r.student == "carol_wrong_gradient")
    data = json.loads(gradescope.render(carol))
    results = gradescope.GradescopeResults.model_validate(data)  # the documented schema, extra=forbid
    assert results.score == pytest.approx(sum(t.score for t in results.tests)) == pytest.approx(carol.score)
    assert {t.status for t in results.tests} == {"passed", "failed"} and "graded separately" in results.output
    failed = next(t for t in results.tests if t.name == "2.backward: dL_dw1 (value)")
    assert failed.score == 0 and "got" in failed.output


@pytest.mark.parametrize(("name", "expected"), [
    ("Faiz_1152231_Mithun_1151651", [("1152231", "Faiz"), ("1151651", "Mithun")]),
    ("alice", [("alice", "")]),
    ("carol_wrong_gradient", [("carol_wrong_gradient", "")]),
])
def test_team_names_credit_each_member(name, expected):
    assert lms_csv.members(name) == expected


def test_lms_csv_has_one_row_per_person():
    team = reports("inf264-ex4")[0].model_copy(update={"student": "Ann_stu225473_Bo_1151705"})
    rows = list(csv.DictReader(lms_csv.render(Batch(load_sheet("inf264-ex4"), [team])).splitlines()))
    assert [(r["Student ID"], r["Name"]) for r in rows] == [("1151705", "Bo"), ("stu225473", "Ann")]
    assert {r["Score"] for r in rows} == {lms_csv.number(team.score)}


def test_summary_finds_what_the_class_got_wrong():
    sheet = load_sheet("waterloo-a2-1")
    s = summarize(sheet, reports("waterloo-a2-1"))
    assert s.students == 7 and s.total.max_score == 14
    worst = {(w.answer, w.kind): w for w in s.often_wrong}
    assert worst[("dL_dw", "value")].wrong >= 1
    assert any(n.student == "dave_syntax_error" for n in s.not_run) or s.not_run == []
    html = summary.render_html(Batch(sheet, reports("waterloo-a2-1")))
    assert html.count("<svg ") == 2 and "<script" not in html


def test_gradescope_bundle_holds_scripts_grader_sheet_and_reference(tmp_path):
    sheet = load_sheet("inf264-ex4")
    with zipfile.ZipFile(write_bundle(sheet, tmp_path / "autograder.zip")) as zf:
        names = set(zf.namelist())
        run = zf.read("run_autograder").decode()
        assert zf.getinfo("setup.sh").external_attr >> 16 & 0o111
    assert {"setup.sh", "run_autograder", "pyproject.toml", "grader/cli/__init__.py",
            "sheets/inf264-ex4/expected.lock.json",
            "reference/inf264-ex4/solution.ipynb"} <= names
    assert not any("submissions_example" in n for n in names)
    assert 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in run and '"$RESULTS/results.json"' in run
    assert '"$SOURCE/sheets/inf264-ex4"' in run


HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) **b** \x1b]0;t\x07"


def test_gradescope_output_is_plain_text_so_student_text_is_inert():
    carol = next(r for r in reports("inf264-ex4") if r.student == "carol_wrong_gradient")
    run = carol.run.model_copy(update={"file": "nb.ipynb", "message": HOSTILE, "status": "crashed"})
    task = carol.task("2.backward")
    check = task.checks[0].model_copy(update={"message": f"`x`: got {HOSTILE}\n# heading"})
    hostile = carol.model_copy(update={"run": run, "tasks": [task.model_copy(update={"checks": [check]})]})
    results = gradescope.GradescopeResults.model_validate(json.loads(gradescope.render(hostile)))
    # "text": Gradescope shows the string as it is, never as Markdown or HTML
    assert results.output_format == "text" and {t.output_format for t in results.tests} == {"text"}
    assert "<script>alert(1)</script>" in results.output and "\x1b" not in results.output
    assert "# heading" in results.tests[0].output and "\x1b" not in results.tests[0].output


def test_lms_and_gradebook_cells_are_never_formulas():
    base = reports("inf264-ex4")[0]
    names = ["=1+1", "@SUM(2+2)", "-2+3", "+1"]
    hostile = [base.model_copy(update={"student": n}) for n in names]
    rows = list(csv.DictReader(lms_csv.render(Batch(load_sheet("inf264-ex4"), hostile)).splitlines()))
    assert sorted(r["Student ID"] for r in rows) == sorted(["'=1+1", "'@SUM(2+2)", "'-2+3", "+1"])
    assert sorted(r["Submission"] for r in rows) == sorted(["'=1+1", "'@SUM(2+2)", "'-2+3", "+1"])
    negative = base.model_copy(update={"student": "x", "score": -1.5})
    (row,) = csv.DictReader(lms_csv.render(Batch(load_sheet("inf264-ex4"), [negative])).splitlines())
    assert row["Score"] == "-1.5"


def scored(student, score):
    return reports("inf264-ex4")[0].model_copy(update={"student": student, "score": score})


def test_an_id_is_credited_once_and_conflicts_are_flagged():
    sheet = load_sheet("inf264-ex4")
    team = scored("Alice_7654321_Bob_2222222", 6.0)
    mallory = scored("Mallory_1111111_Alice_7654321", 2.0)
    rows = {r["Student ID"]: r
            for r in csv.DictReader(lms_csv.render(Batch(sheet, [mallory, team])).splitlines())}
    assert sorted(rows) == ["1111111", "2222222", "7654321"]  # one row for Alice
    assert rows["7654321"]["Score"] == "6" and rows["7654321"]["Submission"] == team.student
    (warning,) = lms_csv.conflicts([mallory, team])
    assert "7654321" in warning and mallory.student in warning and team.student in warning

    alone = scored("7654321", 1.0)  # her own submission wins, even over a higher team score
    rows = {r["Student ID"]: r
            for r in csv.DictReader(lms_csv.render(Batch(sheet, [team, alone])).splitlines())}
    assert rows["7654321"]["Score"] == "1" and rows["7654321"]["Submission"] == "7654321"
    assert "its own submission" in lms_csv.conflicts([team, alone])[0]
    assert lms_csv.conflicts([team, scored("Carl_3333333", 1.0)]) == []


def test_summary_warns_about_conflicts_in_html_and_json():
    sheet = load_sheet("inf264-ex4")
    claims = [scored("Alice_7654321_Bob_2222222", 6.0), scored("M<b>x_1111111_Alice_7654321", 2.0)]
    assert summarize(sheet, claims).warnings == lms_csv.conflicts(claims) != []
    assert "7654321" in json.loads(summary.render_json(Batch(sheet, claims)))["warnings"][0]
    html = summary.render_html(Batch(sheet, claims))
    assert "<h2>Warnings</h2>" in html and "M&lt;b&gt;x_1111111" in html and "<b>" not in html
    assert "Warnings" not in summary.render_html(Batch(sheet, reports("inf264-ex4")))
