"""JUnit XML: valid against the schema CI systems read, one testcase per check, hostile text inert."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from typer.testing import CliRunner

from grader.cli import app
from grader.report import CellErrorInfo, ScoreReport
from grader.report.junit import Suite, render, render_reports, xml_text

HERE = Path(__file__).parent
GOLDEN = HERE.parent / "golden"
REPO_SUBS = HERE.parent.parent / "submissions_example"
SCHEMA = xmlschema.XMLSchema(str(HERE / "junit_ci.xsd"))
HOSTILE = "x]]><y/>&\x00\x01\x1b[31mred\x1b[0m\x1b]0;title\x07\u202eevil\ud800\uffff end"


def golden(sheet: str) -> list[ScoreReport]:
    return [ScoreReport.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted((GOLDEN / sheet).glob("*.json"))]


def valid(text: str) -> ET.Element:
    SCHEMA.validate(text)
    return ET.fromstring(text.encode("utf-8"))


# the training sheets' goldens are compact summaries, not reports
@pytest.mark.parametrize("sheet", ["inf264-ex4", "sheet6-ffnn", "waterloo-a2-1"])
def test_every_golden_batch_is_valid_junit_with_a_testcase_per_check(sheet):
    reports = golden(sheet)
    root = valid(render_reports(reports))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f"{r.sheet}/{r.student}" for r in reports]
    for suite, report in zip(suites, reports, strict=True):
        checks = [(f"{report.sheet}.{t.id}", c) for t in report.tasks for c in t.checks]
        cases = [c for c in suite.findall("testcase") if c.get("name") != "(run)"]
        assert [(c.get("classname"), c.get("name")) for c in cases] == [(k, c.answer) for k, c in checks]
        for case, (_, check) in zip(cases, checks, strict=True):
            tags = [child.tag for child in case]
            want = {"passed": [], "failed": ["failure"], "error": ["error"], "pending": ["skipped"]}
            assert tags == want[check.status], (report.student, check.answer)
            if check.status in ("failed", "error"):
                assert case[0].get("message") == xml_text(check.message) != ""
        failed = sum(c.status == "failed" for _, c in checks)
        assert suite.get("failures") == str(failed)
    assert root.get("tests") == str(sum(len(s.findall("testcase")) for s in suites))


def test_a_run_that_did_not_complete_is_an_error_case_named_run():
    report = next(r for r in golden("inf264-ex4") if r.student == "dave_syntax_error")
    suite = valid(render_reports([report])).find("testsuite")
    assert suite is not None
    run = next(c for c in suite.findall("testcase") if c.get("name") == "(run)")
    error = run.find("error")
    assert error is not None and "cell 4 raised SyntaxError" in (error.text or "")


def test_hostile_ids_and_messages_give_valid_xml_with_the_characters_removed():
    base = golden("inf264-ex4")[0]
    task = base.tasks[1]
    bad_check = task.checks[0].model_copy(update={"answer": HOSTILE, "status": "failed", "message": HOSTILE})
    report = base.model_copy(update={
        "student": HOSTILE,
        "tasks": [task.model_copy(update={"id": HOSTILE, "checks": [bad_check]})],
        "run": base.run.model_copy(update={"status": "crashed", "message": HOSTILE, "cell_errors": [
            CellErrorInfo(cell=1, kind="error", error=HOSTILE)]})})
    text = render([Suite(HOSTILE, report, [HOSTILE])], name=HOSTILE)
    root = valid(text)
    everything = ET.tostring(root, encoding="unicode")
    for gone in ("\x00", "\x01", "\x1b", "\u202e", "\ud800", "\uffff"):
        assert gone not in text and gone not in everything
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert failure.text.startswith("x]]><y/>&") and "red" in failure.text and "title" not in failure.text
    assert root.find("testsuite/testcase") is not None


def test_reference_problems_are_a_failure_and_a_missing_report_still_a_valid_suite():
    root = valid(render([Suite("inf264-ex4/reference", None, ["the lock is stale", "task 1.2: failed"])]))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text == "the lock is stale\ntask 1.2: failed"
    assert root.find("testsuite").get("failures") == "1"  # type: ignore[union-attr]


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_grade_and_check_reference_write_junit(tmp_path):
    cli = CliRunner()
    out = tmp_path / "out"
    subs = REPO_SUBS / "inf264-ex4"
    result = cli.invoke(app, ["grade", "inf264-ex4", str(subs), "--out", str(out), "-q",
                              "--junit", str(tmp_path / "grade.xml")])
    assert result.exit_code == 0, result.output
    root = valid((tmp_path / "grade.xml").read_text(encoding="utf-8"))
    assert len(root.findall("testsuite")) == len(list(subs.iterdir()))
    result = cli.invoke(app, ["check-reference", "inf264-ex4", "--junit", str(tmp_path / "ref.xml")])
    assert result.exit_code == 0, result.output
    suite = valid((tmp_path / "ref.xml").read_text(encoding="utf-8")).find("testsuite")
    assert suite is not None and suite.get("name") == "inf264-ex4/reference"
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0")



