"""Turn what a run left behind into a ScoreReport: run every check, weigh it, add it up."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

from grader.checks import Context, Outcome, ProbeResult, run_check
from grader.checks.usable import check_problem
from grader.harness import wire
from grader.report import CellErrorInfo, CheckResult, RunInfo, ScoreReport, TaskResult, pending_points
from grader.report.located import Located
from grader.sandbox.job import ProbeOutcome, RunResult
from grader.sheet import Sheet
from grader.sheet.datasets import graded_on, identity
from grader.sheet.lock import SheetLock
from grader.sheet.public_lock import PublicLock, public_lock
from grader.sheet.spec import Check

_EXCERPT = 2000
_TA_NOTE = 2000
_PUBLIC: dict[tuple[str, str], PublicLock] = {}  # (sheet folder, lock fingerprint) -> its public part
GRADER_FAILED = ("the grader failed on this submission (an internal error, not something in your work); "
                 "your TA has been told and will grade it again")


def decode_answers(run: RunResult) -> tuple[dict[str, Any], list[str]]:
    answers, broken = {}, []
    for name, raw in run.answers.items():
        try:
            answers[name] = wire.decode(raw)
        except wire.WireError:
            broken.append(name)
    return answers, broken


def decode_probes(outcomes_by_name: dict[str, list[ProbeOutcome]]) -> dict[str, list[ProbeResult]]:
    probes: dict[str, list[ProbeResult]] = {}
    for name, outcomes in outcomes_by_name.items():
        results = []
        for o in outcomes:
            try:
                value = None if o.error else wire.decode(o.output)
                results.append(ProbeResult(value, o.error, o.model))
            except wire.WireError as exc:
                results.append(ProbeResult(None, f"an output the grader cannot read ({exc})", o.model))
        probes[name] = results
    return probes


def run_problem(run: RunResult) -> str:
    """A sentence on why answers might be missing, for the 'not defined' messages."""
    if run.status != "completed":
        return f"The run did not complete: {run.message}"
    cells = sorted({e.index + 1 for e in run.cell_errors})
    if cells:
        shown = ", ".join(map(str, cells[:8])) + (" …" if len(cells) > 8 else "")
        return f"Cell{'s' if len(cells) > 1 else ''} {shown} raised an error; see the run log below."
    return ""


def run_info(run: RunResult, file: str, isolation: str, workdir: str = "") -> RunInfo:
    """What the student needs to know about the run; paths are shown relative to their folder."""
    def clean(text: str) -> str:
        return text.replace(workdir.rstrip("/") + "/", "") if workdir else text

    errors = [CellErrorInfo(cell=e.index + 1, kind=e.kind, error=clean(f"{e.ename}: {e.evalue}"),
                            traceback=clean(e.traceback)) for e in run.cell_errors[:50]]
    return RunInfo(status=run.status, message=clean(run.message), file=file, n_cells=run.n_cells,
                   cell_errors=errors, stdout=clean(run.stdout[:_EXCERPT]),
                   stderr=clean(run.stderr[-_EXCERPT:]), duration_s=run.duration_s, isolation=isolation)


def run_context(sheet: Sheet, run: RunResult, lock: SheetLock | None) -> tuple[Context, list[str]]:
    """What the checks see of a run (and the answers that could not be decoded)."""
    answers, broken = decode_answers(run)
    expected, expected_probes = lock.decoded() if lock else ({}, {})
    ctx = Context(sheet=sheet, answers=answers, probes=decode_probes(run.probes), expected=expected,
                  expected_probes=expected_probes, run_problem=run_problem(run), removed=run.removed,
                  predictions=decode_probes(run.predictions), figures=run.figures,
                  calibration=lock.calibrations.get(identity(sheet)) if lock else None,
                  training=run.training)
    return ctx, broken


def _judge(check: Check, ctx: Context, broken: list[str], problems: list[str]) -> Outcome:
    """One check's outcome; a check that raises is the grader's failure on that check alone."""
    if check.answer in broken:
        return Outcome("error", 0.0, f"`{check.answer}` could not be read back from the run")
    try:
        return run_check(check, ctx)
    except Exception as exc:
        problems.append(f"check of `{check.answer}` ({check.kind}): {type(exc).__name__}: {exc}"[:_TA_NOTE])
        return Outcome("error", 0.0, f"`{check.answer}`: {GRADER_FAILED}")


def public_part(sheet: Sheet, lock: SheetLock) -> PublicLock:
    """The public lock of a sheet, made once per lock (every report of a batch uses it)."""
    key = (str(sheet.folder), lock.fingerprint)
    if key not in _PUBLIC:
        if len(_PUBLIC) > 16:
            _PUBLIC.clear()
        _PUBLIC[key] = public_lock(sheet, lock)
    return _PUBLIC[key]


def score(sheet: Sheet, lock: SheetLock, run: RunResult, *, student: str, info: RunInfo,
          sha256: str = "", located: Mapping[str, Located] | None = None) -> ScoreReport:
    """``located``: each manual point's answer as found in the submission (grading.locate)."""
    located = located or {}
    ctx, broken = run_context(sheet, run, lock)
    public = public_part(sheet, lock)
    seen = iter(public.checks)  # in the order of sheet.spec.checks()
    tasks, total, problems = [], 0.0, list[str]()
    for task in sheet.spec.tasks:
        results, earned = [], 0.0
        for check in task.checks:
            outcome = _judge(check, ctx, broken, problems)
            points = task.check_points(check)
            earned += points * outcome.credit  # summed unrounded: 3 × 2/3 is 2, not 2.000001
            results.append(CheckResult(answer=check.answer, kind=check.kind, status=outcome.status,
                                       score=round(points * outcome.credit, 6),
                                       max_score=round(points, 6), message=outcome.message,
                                       details=outcome.details, located=located.get(check.answer)
                                       if check.kind == "manual" else None,
                                       problem=check_problem(next(seen), public, ctx, broken)))
        tasks.append(TaskResult(id=task.id, title=task.title, checks=results, max_score=task.points,
                                score=round(earned, 6)))
        total += earned
    if problems:
        info = info.model_copy(update={"grader_error": "; ".join([info.grader_error, *problems]).strip("; ")})
    return ScoreReport(student=student, sheet=sheet.id, score=round(total, 6),
                       max_score=sheet.spec.max_score, pending_points=pending_points(tasks), tasks=tasks,
                       run=info, data=graded_on(sheet),
                       submission_sha256=sha256, lock_sha256=lock.fingerprint,
                       grader_version=version("grader"))


def grader_error_report(sheet: Sheet, lock: SheetLock, student: str, exc: BaseException,
                        isolation: str = "") -> ScoreReport:
    """The grader failed on this submission (a bug, a broken sheet): no check is run again, every
    automatic point says so in neutral words, and the TA reads the exception in the report."""
    tasks = [TaskResult(id=task.id, title=task.title, max_score=task.points, score=0.0, checks=[
        CheckResult(answer=check.answer, kind=check.kind, max_score=round(task.check_points(check), 6),
                    score=0.0, **({"status": "pending", "message": "Scored by your TA."}
                                  if check.kind == "manual" else
                                  {"status": "error", "message": f"`{check.answer}`: {GRADER_FAILED}"}))
        for check in task.checks]) for task in sheet.spec.tasks]
    info = RunInfo(status="grader_error", message=GRADER_FAILED, isolation=isolation,
                   grader_error=f"{type(exc).__name__}: {exc}"[:_TA_NOTE])
    return ScoreReport(student=student, sheet=sheet.id, score=0.0, max_score=sheet.spec.max_score,
                       pending_points=pending_points(tasks), tasks=tasks, run=info,
                       lock_sha256=lock.fingerprint, grader_version=version("grader"))


def failed_report(sheet: Sheet, lock: SheetLock, student: str, reason: str, sha256: str = "",
                  isolation: str = "") -> ScoreReport:
    """The report of a submission that could not be run at all: every point says why."""
    run = RunResult.failure("invalid_submission", reason)
    return score(sheet, lock, run, student=student, sha256=sha256,
                 info=RunInfo(status="invalid_submission", message=reason, isolation=isolation))
