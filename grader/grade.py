"""Grading as a library: one submission, or a whole folder, end to end.

    sheet = load_sheet("inf264-ex4")
    result = grade_batch(sheet, Path("submissions"), Path("out"), ProcessRunner())

Each submission gets a fresh working copy, one run, and a report; a student's failure is a
report, never an exception. Reports are written as soon as each student is done.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.discover import Prepared, Submission, SubmissionProblem, discover, prepare
from grader.job import Job, RunResult
from grader.lock import SheetLock, require_fresh_lock
from grader.probes import encoded_args
from grader.report import ScoreReport
from grader.runner import Runner
from grader.score import failed_report, run_info, score
from grader.sheet import Sheet
from grader.spec import FunctionCheck
from grader.writers import write_batch, write_student


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


@dataclass(frozen=True)
class BatchResult:
    out: Path
    reports: list[ScoreReport]
    gradebook: Path


def grade_batch(sheet: Sheet, submissions: Path, out: Path, runner: Runner,
                on_report: Callable[[ScoreReport], None] | None = None) -> BatchResult:
    lock = require_fresh_lock(sheet)
    out.mkdir(parents=True, exist_ok=True)
    reports = []
    for sub in discover(submissions):
        report = grade_submission(sheet, lock, sub, runner)
        write_student(report, out / sub.student)
        reports.append(report)
        if on_report:
            on_report(report)
    return BatchResult(out=out, reports=reports, gradebook=write_batch(sheet, reports, out))
