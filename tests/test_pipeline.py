"""One submission through the pipeline: whatever the grader meets, the student gets a report and
the batch goes on (status grader_error, the exception for the TA, a neutral line for the student)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.checks import REGISTRY
from grader.grading import submission as pipeline
from grader.grading.batch import grade_batch
from grader.grading.discover import discover
from grader.grading.score import GRADER_FAILED
from grader.report.writers import STUDENT_WRITERS
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet
from grader.sheet.lock import require_fresh_lock

pytestmark = pytest.mark.runs_code
EXAMPLES = Path(__file__).resolve().parent.parent / "submissions_example" / "inf264-ex4"


@pytest.fixture
def subs(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES / "alice", tmp_path / "subs" / "alice")
    shutil.copy(EXAMPLES / "bob.py", tmp_path / "subs")
    return tmp_path / "subs"


def test_an_exception_anywhere_in_one_submission_is_its_report(monkeypatch, subs):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "run_submission", broken)
    sheet = load_sheet("inf264-ex4")
    sub = discover(subs)[0]
    report = pipeline.grade_submission(sheet, require_fresh_lock(sheet), sub, ProcessRunner())
    assert report.run.status == "grader_error" and report.run.grader_error == "RuntimeError: boom"
    assert report.score == 0 and not report.run.ran_to_end
    statuses = {c.kind: c.status for t in report.tasks for c in t.checks}
    assert statuses["manual"] == "pending" and statuses["value"] == "error"
    assert all(GRADER_FAILED in c.message for t in report.tasks for c in t.checks if c.status == "error")


def test_a_check_that_raises_costs_only_that_check(monkeypatch, subs, tmp_path):
    def broken(spec, ctx):
        raise ZeroDivisionError("in the check")

    monkeypatch.setitem(REGISTRY, "choice", broken)
    result = grade_batch(load_sheet("inf264-ex4"), subs, tmp_path / "out", ProcessRunner())
    alice = next(r for r in result.reports if r.student == "alice")
    choice = [c for t in alice.tasks for c in t.checks if c.kind == "choice"]
    assert choice and all(c.status == "error" and GRADER_FAILED in c.message for c in choice)
    assert "ZeroDivisionError: in the check" in alice.run.grader_error
    assert alice.run.status == "completed"
    assert any(c.status == "passed" for t in alice.tasks for c in t.checks)


def test_a_report_no_writer_can_render_still_gets_a_folder_and_a_gradebook_row(monkeypatch, subs, tmp_path):
    render = STUDENT_WRITERS["feedback.html"]

    def picky(report):
        if report.student == "bob" and report.run.status != "grader_error":
            raise ValueError("cannot render")
        return render(report)

    monkeypatch.setitem(STUDENT_WRITERS, "feedback.html", picky)
    result = grade_batch(load_sheet("inf264-ex4"), subs, tmp_path / "out", ProcessRunner())
    bob = next(r for r in result.reports if r.student == "bob")
    assert bob.run.status == "grader_error" and "cannot render" in bob.run.grader_error
    assert "bob" in (tmp_path / "out" / "gradebook.csv").read_text()


def test_a_backend_that_fails_midway_still_leaves_a_gradebook(subs, tmp_path):
    class Dies:
        def in_process(self, jobs: int) -> bool:
            return True

        def run(self, plan, todo):
            yield plan.grade(todo[0])
            raise OSError("the pool broke")

    with pytest.raises(OSError, match="the pool broke"):
        grade_batch(load_sheet("inf264-ex4"), subs, tmp_path / "out", ProcessRunner(), backend=Dies())
    assert "alice" in (tmp_path / "out" / "gradebook.csv").read_text()


def test_the_class_files_are_built_without_the_located_answers(subs, tmp_path):
    """A manual point's located answer can weigh megabytes: report.json keeps it, the batch's
    in-memory rows (gradebook, summary, the result) do not, so memory does not grow with it."""
    result = grade_batch(load_sheet("inf264-ex4"), subs, tmp_path / "out", ProcessRunner())
    on_disk = (tmp_path / "out" / "alice" / "report.json").read_text()
    assert '"located": {' in on_disk
    manual = [c for r in result.reports for t in r.tasks for c in t.checks if c.kind == "manual"]
    assert manual and all(c.located is None for c in manual)
