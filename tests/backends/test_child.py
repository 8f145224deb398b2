"""A grading process grades what the library grades in this process, and a child that fails or
dies costs one student's report (a grader_error that says so), never the next student's."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from grader.grading.backends.child import GradingProcess
from grader.grading.backends.worker import Plan
from grader.grading.batch import ready_lock
from grader.grading.discover import Submission
from grader.grading.submission import grade_submission
from grader.report.writers.report_json import render
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet
from tests.noting import Noting, notes

pytestmark = pytest.mark.runs_code
EXAMPLES = Path(__file__).resolve().parents[2] / "submissions_example" / "inf264-ex4"


def untimed(text: str) -> str:
    return re.sub(r'"duration_s": [0-9.e-]+', '"duration_s": 0', text)


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    sheet = load_sheet("inf264-ex4")
    return Plan(sheet, ready_lock(sheet), Noting(sheet.spec.limits, tmp_path / "notes"))


def noted(plan: Plan) -> list[tuple[str, int]]:
    return notes(plan.runner.log)  # type: ignore[attr-defined]


def submission(tmp_path: Path, student: str, source: Path, tail: bytes = b"") -> Submission:
    folder = tmp_path / student
    folder.mkdir()
    copy = folder / source.name
    copy.write_bytes(source.read_bytes() + tail)
    return Submission(student, copy, "script" if copy.suffix == ".py" else "notebook")


def test_the_report_is_the_one_graded_in_this_process(plan: Plan, tmp_path: Path) -> None:
    process = GradingProcess()
    try:
        subs = [submission(tmp_path, "bob", EXAMPLES / "bob.py"),
                submission(tmp_path, "alice", EXAMPLES / "alice" / "exercise4.ipynb")]
        there = [process.grade(plan, sub).report for sub in subs]
    finally:
        process.close()
    local = ProcessRunner(plan.sheet.spec.limits)
    here = [grade_submission(plan.sheet, plan.lock, sub, local) for sub in subs]
    assert [untimed(render(r)) for r in there] == [untimed(render(r)) for r in here]
    assert there[1].score > 0
    ran = noted(plan)
    assert [what for what, _ in ran] == ["run", "run"]  # nothing warmed unless asked
    assert len({pid for _, pid in ran}) == 1 and os.getpid() not in {pid for _, pid in ran}


def test_ready_warms_in_the_child_and_a_new_lock_reaches_it(plan: Plan, tmp_path: Path) -> None:
    process = GradingProcess()
    try:
        process.ready(plan)
        relocked = Plan(plan.sheet, plan.lock.model_copy(update={"reference_hash": "relocked"}), plan.runner)
        report = process.grade(relocked, submission(tmp_path, "bob", EXAMPLES / "bob.py")).report
    finally:
        process.close()
    assert [what for what, _ in noted(plan)] == ["warm:lean", "run"]
    assert report.lock_sha256 == relocked.lock.fingerprint != plan.lock.fingerprint  # the plan sent last


def test_a_child_that_dies_costs_that_student_only(plan: Plan, tmp_path: Path) -> None:
    process = GradingProcess()
    try:
        killer = submission(tmp_path, "dies", EXAMPLES / "bob.py", b"\n# kill the grader\n")
        died = process.grade(plan, killer).report
        after = process.grade(plan, submission(tmp_path, "bob", EXAMPLES / "bob.py")).report
    finally:
        process.close()
    assert died.student == "dies" and died.run.status == "grader_error" and died.score == 0
    why = "the grading process stopped while grading this submission (killed by signal 9)"
    assert why in str(died.run.grader_error)
    assert after.run.status == "completed" and after.score > 0
    first, second = (pid for _, pid in noted(plan))
    assert first != second  # a new child for the next job


def test_ctrl_c_and_sigterm_are_left_to_the_owner_and_close_stops_it(plan: Plan, tmp_path: Path) -> None:
    """A terminal's Ctrl-C (or a service manager's SIGTERM) reaches the whole process group: the
    server drains, its children must not die mid-job first."""
    process = GradingProcess()
    try:
        assert process.grade(plan, submission(tmp_path, "alice", EXAMPLES / "bob.py")).report.score > 0
        child = process._child  # up, its handlers installed
        assert child is not None and child.pid is not None
        os.kill(child.pid, signal.SIGINT)
        os.kill(child.pid, signal.SIGTERM)
        time.sleep(0.3)
        assert child.is_alive()
        report = process.grade(plan, submission(tmp_path, "bob", EXAMPLES / "bob.py")).report
        assert report.run.status == "completed"
    finally:
        process.close()
    assert not child.is_alive()
