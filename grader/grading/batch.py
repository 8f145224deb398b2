"""Grading a folder as a library call, resumable.

    sheet = load_sheet("inf264-ex4")
    with choose_runner(sheet.spec.limits) as runner:
        result = grade_batch(sheet, Path("submissions"), Path("out"), runner)

Each student's report is written atomically as soon as it is done (report.json last). Running
the same batch again grades only what is missing or changed: a report is kept when it was made
from the same submission bytes against the same expected answers. ``force=True`` regrades all.
The gradebook is rebuilt from the per-student reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from grader.grading import sanity
from grader.grading.backends import Backend
from grader.grading.backends.serial import SerialBackend
from grader.grading.backends.worker import Plan
from grader.grading.discover import Submission, check_out, discover, discovery_warnings
from grader.grading.score import grader_error_report
from grader.grading.submission import Graded
from grader.report import ScoreReport
from grader.report.writers import write_batch, write_student
from grader.report.writers.atomic import PARTIAL
from grader.report.writers.batch import Batch
from grader.sandbox.process import Runner
from grader.sheet import Sheet, SheetError
from grader.sheet.calibration import environment_warnings
from grader.sheet.datasets import graded_on, identity
from grader.sheet.lock import SheetLock, calibration_problems, require_fresh_lock


@dataclass(frozen=True)
class BatchResult:
    out: Path
    reports: list[ScoreReport]
    graded: list[str]
    resumed: list[str]
    gradebook: Path
    warnings: list[str] = field(default_factory=list)  # for the TA: also in summary.html
    environment: list[str] = field(default_factory=list)  # this machine differs from the calibration's


@dataclass(frozen=True)
class BatchSummary:
    students: int
    graded: int
    resumed: int
    failed_to_run: list[str]
    timed_out: list[str]
    mean_score: float
    max_score: float

    @classmethod
    def of(cls, result: BatchResult) -> BatchSummary:
        reports = result.reports
        return cls(students=len(reports), graded=len(result.graded), resumed=len(result.resumed),
                   failed_to_run=[r.student for r in reports
                                  if not r.run.ran_to_end and r.run.status != "timeout"],
                   timed_out=[r.student for r in reports if r.run.status == "timeout"],
                   mean_score=sum(r.score for r in reports) / len(reports) if reports else 0.0,
                   max_score=reports[0].max_score if reports else 0.0)


def previous_report(folder: Path) -> ScoreReport | None:
    try:
        return ScoreReport.model_validate_json((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValidationError):
        return None


def _row(folder: Path) -> ScoreReport | None:
    report = previous_report(folder)
    return None if report is None else _slim(report)


def _slim(report: ScoreReport) -> ScoreReport:
    """A report as the class-wide files need it: without the located answers of manual points
    (up to megabytes each), so the grader's memory does not grow with them over a batch."""
    if not any(c.located for t in report.tasks for c in t.checks):
        return report
    tasks = [t.model_copy(update={"checks": [c.model_copy(update={"located": None}) for c in t.checks]})
             for t in report.tasks]
    return report.model_copy(update={"tasks": tasks})


def _is_current(report: ScoreReport | None, sub: Submission, fingerprint: str, data: str) -> bool:
    """Same submission bytes, same expected answers, same data (e.g. genuine MNIST vs subset)."""
    return (report is not None and report.lock_sha256 == fingerprint and report.data == data
            and report.submission_sha256 == sub.sha256)


def grade_batch(sheet: Sheet, submissions: Path, out: Path, runner: Runner, *,
                backend: Backend | None = None, force: bool = False,
                subs: Sequence[Submission] | None = None,
                on_report: Callable[[ScoreReport], None] | None = None,
                on_plan: Callable[[int, int], None] | None = None,
                on_warning: Callable[[str], None] | None = None) -> BatchResult:
    """Grade what is missing or changed; ``on_plan(to_grade, kept)`` is called before starting,
    ``on_warning`` with each thing the TA should know before the results (a wrong sheet?);
    ``subs``: what :func:`discover` found in ``submissions``, if the caller has looked already.

    Whatever a submission does, the batch goes on and the gradebook, lms.csv and the summary are
    written (also when the backend itself fails: then its exception follows)."""
    lock = ready_lock(sheet)
    record = lock.calibrations.get(identity(sheet))
    subs = list(discover(submissions) if subs is None else subs)
    check_out(submissions, out, subs)
    kept = _kept(sheet, lock, subs, out, force)
    todo = [s for s in subs if s.student not in kept]
    if on_plan:
        on_plan(len(todo), len(subs) - len(todo))
    warnings = [*discovery_warnings(subs), *sanity.before_batch(sheet, subs)]
    for warning in warnings:
        if on_warning:
            on_warning(warning)
    backend = backend or SerialBackend()
    if todo and backend.in_process(len(todo)):
        runner.warm_up(sheet.spec.executor)  # no-op when the caller already warmed one
    graded: list[str] = []
    try:
        for done in backend.run(Plan(sheet, lock, runner), todo):
            report = done.report
            _write_student(sheet, lock, done, out)
            graded.append(report.student)
            if on_report:
                on_report(report)
    finally:
        reports = [r for s in subs if (r := kept[s.student] if s.student in kept else _row(out / s.student))]
        warnings += [w for w in sanity.after_batch(sheet, reports) if w not in warnings]
        gradebook = write_batch(Batch(sheet, reports, warnings), out)
    resumed = [s.student for s in subs if s.student not in graded]
    return BatchResult(out=out, reports=reports, graded=graded, resumed=resumed, gradebook=gradebook,
                       warnings=warnings, environment=environment_warnings(record) if record else [])


def _kept(sheet: Sheet, lock: SheetLock, subs: list[Submission], out: Path,
          force: bool) -> dict[str, ScoreReport]:
    """Student -> the up-to-date report in OUT, slimmed (:func:`_slim`): each is read once, here
    (none with ``force``); the others are graded."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(f"*/.*{PARTIAL}"):  # left by a run killed mid-write
        stale.unlink()
    if force:
        return {}
    label = graded_on(sheet)
    reports = ((s, previous_report(out / s.student)) for s in subs)
    return {s.student: _slim(r) for s, r in reports
            if r is not None and _is_current(r, s, lock.fingerprint, label)}


def ready_lock(sheet: Sheet) -> SheetLock:
    """The sheet's lock, refused (SheetError) when it is stale, lacks a calibration for this data,
    or the environment lacks a module the submissions import."""
    lock = require_fresh_lock(sheet)
    problems = calibration_problems(sheet, lock, identity(sheet))
    problems += [f"submissions of {sheet.id} import {m}, which this environment lacks: install it"
                 for m in sheet.missing_modules()]
    if problems:
        raise SheetError("; ".join(problems))
    return lock


def _write_student(sheet: Sheet, lock: SheetLock, done: Graded, out: Path) -> None:
    """A report no writer can render (a grader bug) is replaced by one that says so."""
    report = done.report
    if done.executed is None:  # it did not run: a page from an earlier submission would mislead
        (out / report.student / "submission.html").unlink(missing_ok=True)
    try:
        write_student(report, out / report.student, done.executed)
    except Exception as exc:
        write_student(grader_error_report(sheet, lock, report.student, exc, report.run.isolation),
                      out / report.student)
