"""Red team of ``--junit`` (#17): hostile student ids and messages, odd numbers, a careless TA's path.

Each test is one finding or one attack that must keep failing; fixed findings pass.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from typer.testing import CliRunner

from grader.cli import app
from grader.report import CellErrorInfo, ScoreReport
from grader.report.junit import render_reports

TESTS = Path(__file__).resolve().parents[1]
SCHEMA = xmlschema.XMLSchema(str(TESTS / "report" / "junit_ci.xsd"))
GOLDEN = sorted((TESTS / "golden" / "inf264-ex4").glob("*.json"))
cli = CliRunner()


def report(**run: object) -> ScoreReport:
    base = ScoreReport.model_validate_json(GOLDEN[0].read_text(encoding="utf-8"))
    return base.model_copy(update={"run": base.run.model_copy(update=run)})


def valid(text: str) -> ET.Element:
    SCHEMA.validate(text)
    return ET.fromstring(text.encode("utf-8"))


@pytest.mark.parametrize("duration", [math.nan, math.inf, -0.0004, -3.0])
def test_a_non_finite_or_negative_duration_keeps_the_xml_valid(duration):
    """time="nan", "inf" or "-0.000" is outside the JUnit schema's time pattern: CI rejected the file."""
    suite = valid(render_reports([report(duration_s=duration)])).find("testsuite")
    assert suite is not None and suite.get("time") == "0"


def test_nan_and_infinite_scores_keep_the_xml_valid():
    base = report()
    odd = base.model_copy(update={"score": math.nan, "max_score": math.inf, "pending_points": -math.inf})
    valid(render_reports([odd]))


@pytest.mark.parametrize("student", [
    'a"<b>&c\'d]]>', "\ud800lone\udfffsurrogates\ufffe\uffff", "\x00\x01\x0b\x0c\x1b[31m\x1b]8;;http://x\x07",
    "\u202eevil\u2066", "x" * 200_000, "😀" * 5000, " ", ""])
def test_hostile_student_ids_keep_the_xml_valid_and_bounded(student):
    hostile = report(message="\x1b[2J" + "M" * 1_000_000, cell_errors=[CellErrorInfo(
        cell=1, kind="ValueError", error=student * 3)]).model_copy(update={"student": student})
    text = render_reports([hostile])
    valid(text)
    assert len(text) < 100_000
    assert "\x1b" not in text and "\u202e" not in text


def test_thousands_of_students_and_reports_without_checks():
    base = report()
    reports = [base.model_copy(update={"student": f"s{i}<&>"}) for i in range(3000)]
    reports.append(base.model_copy(update={"student": "empty", "tasks": []}))
    root = valid(render_reports(reports))
    assert len(root.findall("testsuite")) == 3001
    assert root.findall("testsuite")[-1].get("tests") == "0"


# -- a careless TA's --junit path ---------------------------------------------------------------

@pytest.fixture
def one_student(tmp_path: Path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text("H1_size = 3\n", encoding="utf-8")
    return subs


def grade(subs: Path, out: Path, junit: Path) -> tuple[int, str]:
    args = ["grade", "inf264-ex4", str(subs), "--out", str(out), "--junit", str(junit), "-q"]
    result = cli.invoke(app, args)
    return result.exit_code, result.output


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_junit_to_a_folder_is_refused_before_grading(one_student, tmp_path):
    """It was an `internal error (a grader bug)` after the whole batch had been graded."""
    folder = tmp_path / "ci"
    folder.mkdir()
    code, output = grade(one_student, tmp_path / "out", folder)
    assert code == 2, output
    assert "internal error" not in output and "is a folder" in output
    assert not (tmp_path / "out").exists(), "the batch ran before the path was refused"


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_junit_inside_submissions_is_refused(one_student, tmp_path):
    """Written into SUBMISSIONS, the XML was graded as a student (`results`, 0 points) by the next
    run and reached the gradebook and the LMS export."""
    code, output = grade(one_student, tmp_path / "out", one_student / "results.xml")
    assert code == 2, output
    assert "inside SUBMISSIONS" in output
    assert not (one_student / "results.xml").exists()


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_junit_under_a_file_is_a_clear_error(one_student, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x", encoding="utf-8")
    code, output = grade(one_student, tmp_path / "out", blocker / "junit.xml")
    assert code == 2, output
    assert "internal error" not in output and "notes.txt" in output


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_check_reference_refuses_a_bad_junit_path_before_running(tmp_path):
    folder = tmp_path / "ci"
    folder.mkdir()
    result = cli.invoke(app, ["check-reference", "inf264-ex4", "--junit", str(folder)])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "is a folder" in result.output
    assert "inf264-ex4:" not in result.output, "the reference ran before the path was refused"
