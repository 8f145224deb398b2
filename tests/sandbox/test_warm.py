"""A warm sandbox (launched before its job exists) grades exactly like a cold one, once."""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

import pytest

from grader.grading.discover import Submission, discover
from grader.grading.submission import grade_submission
from grader.sandbox.bwrap import BwrapRunner
from grader.sandbox.doctor import choose_runner, diagnose
from grader.sheet import load_sheet
from grader.sheet.lock import require_fresh_lock

pytestmark = [pytest.mark.sandbox, pytest.mark.runs_code]
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "submissions_example" / "inf264-ex4"


@pytest.fixture(scope="module")
def graded():
    if diagnose().level == "none":
        (pytest.fail if os.environ.get("CI") else pytest.skip)("no sandbox here: run `grader doctor`")
    sheet = load_sheet("inf264-ex4")
    runner = choose_runner(sheet.spec.limits)
    assert isinstance(runner, BwrapRunner)
    return sheet, require_fresh_lock(sheet), runner


def comparable(report) -> dict:
    data = report.model_dump()
    data["run"].pop("duration_s")
    return data


def by_name(name: str) -> Submission:
    return next(s for s in discover(EXAMPLES) if s.student == name)


@pytest.mark.parametrize("executor", ["lean", "nbclient"])
@pytest.mark.parametrize("student", ["alice", "bob", "carol_wrong_gradient", "dave_syntax_error"])
def test_a_warm_sandbox_gives_the_cold_report(graded, student, executor):
    sheet, lock, runner = graded
    sheet = dataclasses.replace(sheet, spec=sheet.spec.model_copy(update={"executor": executor}))
    cold = grade_submission(sheet, lock, by_name(student), runner)
    runner.warm_up(executor)
    warm_sandbox = runner._warm
    warm = grade_submission(sheet, lock, by_name(student), runner)
    assert runner._warm is None and not warm_sandbox.started.alive()  # used once, then gone
    assert comparable(warm) == comparable(cold)


def test_a_dead_warm_sandbox_is_replaced_by_a_cold_one(graded):
    sheet, lock, runner = graded
    runner.warm_up(sheet.spec.executor)
    runner._warm.started.kill()
    report = grade_submission(sheet, lock, by_name("alice"), runner)
    assert report.run.status == "completed" and report.score > 0


def test_close_stops_an_unused_warm_sandbox_and_removes_its_folder(graded):
    sheet, _, runner = graded
    runner.warm_up(sheet.spec.executor)
    sandbox = runner._warm
    folder = sandbox.root
    assert sandbox.started.alive() and folder.is_dir()
    runner.close()
    assert runner._warm is None and not sandbox.started.alive() and not folder.exists()


def test_a_runner_sent_to_a_worker_leaves_its_warm_sandbox_behind(graded):
    sheet, _, runner = graded
    runner.warm_up(sheet.spec.executor)
    try:
        copy = pickle.loads(pickle.dumps(runner))
        assert copy._warm is None and copy.limits == runner.limits
    finally:
        runner.close()


def test_student_code_in_a_warm_sandbox_still_reads_an_empty_stdin(graded, tmp_path):
    sheet, lock, runner = graded
    script = tmp_path / "sam.py"
    script.write_text("import sys\nz = 3 if sys.stdin.read() == '' else 0\n")
    runner.warm_up(sheet.spec.executor)
    report = grade_submission(sheet, lock, Submission(student="sam", path=script, kind="script"), runner)
    z = next(c for t in report.tasks for c in t.checks if c.answer == "z")
    assert z.status == "passed", z.message


def test_a_sandbox_warmed_for_another_executor_is_not_used(graded):
    sheet, lock, runner = graded
    runner.warm_up("nbclient" if sheet.spec.executor == "lean" else "lean")
    other = runner._warm
    report = grade_submission(sheet, lock, by_name("alice"), runner)
    assert not other.started.alive() and report.run.status == "completed"
