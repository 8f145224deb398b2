"""One submission through the pipeline: prepare a working copy, run it, score it.

A student's failure is a report, never an exception.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from grader.discover import Prepared, Submission, SubmissionProblem, prepare
from grader.job import Job, RunResult
from grader.lock import SheetLock
from grader.probes import encoded_args
from grader.report import ScoreReport
from grader.runner import Runner
from grader.score import failed_report, run_info, score
from grader.sheet import Sheet
from grader.spec import FunctionCheck


def build_job(sheet: Sheet, prepared: Prepared) -> Job:
    limits = sheet.spec.limits
    probes = {c.answer: encoded_args(c) for _, c in sheet.spec.checks() if isinstance(c, FunctionCheck)}
    return Job(source=str(prepared.main), kind=prepared.kind, workdir=str(prepared.workdir),
               answers=sheet.spec.answer_names(), probes=probes,
               probe_timeout_s=limits.probe_timeout_s, cell_timeout_s=limits.cell_timeout_s,
               total_timeout_s=limits.total_timeout_s, max_output_chars=limits.max_output_kib * 1024,
               max_cells=limits.max_cells)


def run_submission(sheet: Sheet, sub: Submission, runner: Runner,
                   workdir: Path) -> tuple[Prepared, RunResult]:
    """Prepare ``sub`` in the empty ``workdir`` and run it; SubmissionProblem if it cannot run."""
    prepared = prepare(sub, sheet, workdir)
    return prepared, runner.run(build_job(sheet, prepared))


def grade_submission(sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner) -> ScoreReport:
    sha = sub.sha256()
    with tempfile.TemporaryDirectory(prefix=f"grader-{sheet.id}-") as tmp:
        try:
            prepared, run = run_submission(sheet, sub, runner, Path(tmp))
        except SubmissionProblem as exc:
            return failed_report(sheet, lock, sub.student, str(exc), sha, runner.isolation)
        file = prepared.main.relative_to(prepared.workdir).as_posix()
        return score(sheet, lock, run, student=sub.student, sha256=sha,
                     info=run_info(run, file, runner.isolation, str(prepared.workdir)))
