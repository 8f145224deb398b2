"""One submission through the pipeline: prepare a working copy, run it, score it.

A student's failure is a report, never an exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.frozen import Frozen
from grader.grading.discover import Prepared, Submission, SubmissionProblem
from grader.grading.executed import executed_notebook
from grader.grading.locate import GradedFile, locate_file
from grader.grading.plan import job_of, prepare_run, run_plan
from grader.grading.score import failed_report, grader_error_report, run_info, score
from grader.report import ScoreReport
from grader.report.executed import ExecutedNotebook
from grader.sandbox.job import RunResult
from grader.sandbox.process import Runner
from grader.sandbox.scratch import scratch_dir
from grader.sheet import Sheet
from grader.sheet.lock import SheetLock


def run_submission(sheet: Sheet, sub: Submission, runner: Runner, workdir: Path,
                   seed: int | None = None,
                   config: dict[str, Any] | None = None) -> tuple[Prepared, RunResult]:
    """Prepare ``sub`` in the empty ``workdir`` and run it; SubmissionProblem if it cannot run.
    The same plan and preparation as ``grader check`` (grading.plan), with every probe."""
    plan = run_plan(sheet)
    prepared = prepare_run(plan, sub, workdir, sheet.data_files(), sheet.data_overrides)
    return prepared, runner.run(job_of(plan, prepared, seed, config))


class Graded(Frozen):
    """A report and, beside it (not in report.json), the submission as it ran (submission.html)."""

    report: ScoreReport
    executed: ExecutedNotebook | None = None


def grade_submission(sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner) -> ScoreReport:
    """One student's report, always: whatever goes wrong while preparing, running, reading or
    scoring becomes this report (status ``grader_error``), never an exception that stops a batch."""
    return _safely(sheet, lock, sub, runner, executed=False).report


def grade_executed(sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner) -> Graded:
    """:func:`grade_submission`, and the notebook as it ran when it did run."""
    return _safely(sheet, lock, sub, runner, executed=True)


def _safely(sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner, *, executed: bool) -> Graded:
    try:
        return _grade(sheet, lock, sub, runner, executed)
    except Exception as exc:
        return Graded(report=grader_error_report(sheet, lock, sub.student, exc, runner.isolation))


def _grade(sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner, executed: bool) -> Graded:
    """``executed``: also the notebook as it ran (a batch writes it; the service keeps only reports)."""
    sha = sub.sha256
    with scratch_dir(f"grader-{sheet.id}-") as tmp:
        try:
            prepared, run = run_submission(sheet, sub, runner, tmp)
        except SubmissionProblem as exc:
            return Graded(report=failed_report(sheet, lock, sub.student, str(exc), sha, runner.isolation))
        file = prepared.main.relative_to(prepared.workdir).as_posix()
        graded = GradedFile(prepared.main)  # read and parsed once, by whichever page needs it first
        report = score(sheet, lock, run, student=sub.student, sha256=sha,
                       info=run_info(run, file, runner.isolation, str(prepared.workdir)),
                       located=locate_file(sheet, graded, run))
        if not executed:
            return Graded(report=report)
        return Graded(report=report, executed=executed_notebook(graded, file, run))
