"""The overrides CSV records the answer each score was given for (its ``answer`` column): a row
applies only to that answer, so a score never lands on an answer the student changed since."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.report import ScoreReport
from grader.report.located import Located, answer_digest
from grader.report.overrides import apply_overrides, read_rows, review_template
from grader.report.review.serve import ReviewSite
from grader.report.writers import write_student
from grader.sheet import Sheet, SheetError
from tests.report.review.conftest import tagged, with_located

POINT = "1.1-a-to-e"
OLD, NEW = tagged("(a) re-init the weights"), tagged("(a) I do not know")
Graded = Callable[..., tuple[Sheet, Path]]


def _check(out: Path, student: str) -> tuple[str, float]:
    report = ScoreReport.model_validate_json((out / student / "report.json").read_text())
    check = next(c for t in report.tasks for c in t.checks if c.answer == POINT)
    return check.status, check.score


def _regraded(out: Path, student: str, answer: Located) -> None:
    """The student's new file graded into OUT: its answer to every manual point is ``answer``."""
    report = ScoreReport.model_validate_json((out / student / "report.json").read_text())
    write_student(with_located(report, lambda _s, _c: answer), out / student)


def _scored_template(sheet: Sheet, out: Path) -> Path:
    """OUT/overrides.csv of ``grader review``, alice's and bob's answers to POINT given 1."""
    lines = review_template(sheet, out).splitlines()
    filled = [line.replace(f",{POINT},1,,,", f",{POINT},1,1,read,")
              if line.startswith(("alice,", "bob,")) else line for line in lines]
    path = out / "overrides.csv"
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    return path


def test_the_template_records_each_answer_read(graded: Graded) -> None:
    sheet, out = graded({"alice": OLD, "bob": NEW})
    rows = {r["student"]: r for r in read_rows(_scored_template(sheet, out)) if r["point"] == POINT}
    assert rows["alice"]["answer"] == answer_digest(OLD) and rows["bob"]["answer"] == answer_digest(NEW)
    assert rows["carol_wrong_gradient"]["answer"] == answer_digest(None)  # not located: no blocks


def test_apply_overrides_leaves_out_a_score_of_a_changed_answer_and_names_it(graded: Graded) -> None:
    sheet, out = graded({"alice": OLD, "bob": OLD})
    path = _scored_template(sheet, out)
    _regraded(out, "alice", NEW)  # after the TA read the template's answers
    result = CliRunner().invoke(app, ["apply-overrides", "inf264-ex4", str(out), str(path)])
    assert result.exit_code == 0, result.output
    assert f"not applied: alice 1.1 {POINT}: the answer changed since it was scored" in result.output
    assert "not applied: bob" not in result.output and result.output.count("not applied") == 1
    assert _check(out, "alice") == ("pending", 0.0) and _check(out, "bob") == ("passed", 1.0)


def test_a_csv_without_the_answer_column_applies_to_the_answers_there(graded: Graded, tmp_path: Path) -> None:
    _sheet, out = graded({"alice": OLD})
    path = tmp_path / "old.csv"  # as written before the column, or by a spreadsheet of its own
    path.write_text(f"student,task,point,max_points,points,comment\nalice,1.1,{POINT},1,0.5,half\n")
    _regraded(out, "alice", NEW)
    result = CliRunner().invoke(app, ["apply-overrides", "inf264-ex4", str(out), str(path)])
    assert result.exit_code == 0 and "not applied" not in result.output
    assert _check(out, "alice") == ("failed", 0.5)


def test_an_empty_answer_cell_applies_and_a_malformed_one_is_named(graded: Graded, tmp_path: Path) -> None:
    sheet, out = graded({"alice": OLD})
    path = tmp_path / "o.csv"
    header = "student,task,point,max_points,points,comment,answer\n"
    path.write_text(f"{header}alice,1.1,{POINT},1,1,,\n")
    apply_overrides(sheet, out, path)
    assert _check(out, "alice") == ("passed", 1.0)
    path.write_text(f"{header}alice,1.1,{POINT},1,1,,not-a-digest\n")
    with pytest.raises(SheetError, match="line 2: answer 'not-a-digest' is not an answer's digest"):
        apply_overrides(sheet, out, path)


def _form(digest: str) -> dict[str, str]:
    return {"students-g1": json.dumps(["alice"]), "shown-g1": json.dumps(["", "", [digest]]),
            "points-g1": "1", "comment-g1": "ok"}


def test_a_served_save_records_the_answer_shown_and_refuses_a_changed_one(graded: Graded) -> None:
    sheet, out = graded({"alice": OLD})
    site = ReviewSite(sheet, out)
    slug = f"1.1-{POINT}"
    assert '&#34;' + answer_digest(OLD) in site.page(site.view(slug))  # the form records it as shown
    assert site.save(slug, _form(answer_digest(OLD))).conflicts == []
    saved = {r["student"]: r for r in read_rows(out / "overrides.csv")}
    assert saved["alice"]["answer"] == answer_digest(OLD) and saved["alice"]["points"] == "1"
    _regraded(out, "alice", NEW)
    alice = next(a for a in site.view(slug).answers if a.student == "alice")
    assert not alice.scored  # the saved row scores the old answer: apply-overrides would leave it out
    refused = site.save(slug, _form(answer_digest(OLD)))  # a page loaded before the regrade
    assert refused.rows == [] and "the answer changed since this page was loaded" in refused.conflicts[0]
