"""Manual points: the review template, merging a TA's points, and errors that name bad rows."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from grader.report import ScoreReport
from grader.report.overrides import apply_overrides, review_template
from grader.report.writers import write_batch, write_student
from grader.report.writers.batch import Batch
from grader.sheet import SheetError, load_sheet

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture
def graded(tmp_path):
    """An OUT folder as `grader grade` leaves it, from the golden inf264 reports."""
    sheet = load_sheet("inf264-ex4")
    files = sorted((GOLDEN / "inf264-ex4").glob("*.json"))
    reports = [ScoreReport.model_validate_json(p.read_text()) for p in files]
    for report in reports:
        write_student(report, tmp_path / report.student)
    write_batch(Batch(sheet, reports), tmp_path)
    return sheet, tmp_path


def test_review_lists_every_manual_point_of_every_student(graded):
    sheet, out = graded
    rows = list(csv.DictReader(review_template(sheet, out).splitlines()))
    manual = [c for _, c in sheet.spec.checks() if c.kind == "manual"]
    students = len(list((GOLDEN / "inf264-ex4").glob("*.json")))
    assert len(rows) == students * len(manual) and {r["points"] for r in rows} == {""}
    assert rows[0].keys() == {"student", "task", "point", "max_points", "points", "comment", "answer"}
    assert all(len(r["answer"]) == 64 for r in rows)  # the digest of the answer each row scores


def test_applied_points_reach_report_feedback_and_gradebook(graded):
    sheet, out = graded
    rows = list(csv.DictReader(review_template(sheet, out).splitlines()))
    for row in rows:
        if row["student"] == "alice":
            row["points"], row["comment"] = row["max_points"], "Clear and complete."
    path = out / "overrides.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = json.loads((out / "alice" / "report.json").read_text())["score"]
    merged = {r.student: r for r in apply_overrides(sheet, out, path)}
    alice = merged["alice"]
    assert alice.pending_points == 0 and alice.score == pytest.approx(before + 2.555556, abs=1e-5)
    assert "Scored by a TA" in (out / "alice" / "feedback.md").read_text()
    assert "Clear and complete." in (out / "alice" / "feedback.html").read_text()
    book = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert book["alice"]["pending_manual"] == "0" and book["bob"]["pending_manual"] != "0"
    assert merged["bob"].pending_points > 0  # untouched students keep their pending points


def test_unknown_students_points_and_out_of_range_are_named(graded, tmp_path):
    sheet, out = graded
    bad = tmp_path / "bad.csv"
    bad.write_text("student,task,point,max_points,points,comment\n"
                   "mallory,1.1,1.1-a-to-e,1,1,\n"
                   "alice,1.1,no-such-point,1,1,\n"
                   "bob,1.1,1.1-a-to-e,1,7,\n")
    with pytest.raises(SheetError) as exc:
        apply_overrides(sheet, out, bad)
    message = str(exc.value)
    assert "line 2: unknown student 'mallory'" in message
    assert "line 3: task '1.1' has no manual point 'no-such-point'" in message
    assert "line 4: points 7 outside 0…1" in message
    shutil.rmtree(out / "alice")
    assert "alice" not in review_template(sheet, out)
