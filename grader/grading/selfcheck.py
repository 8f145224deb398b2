"""A student's check before submitting (``grader check``): the notebook runs exactly as grading runs
it (same preparation, job, sandbox and executor), and the run is judged against a public lock:
what is missing, of the wrong type or shape, which cells raised, how long it took against the
sheet's limits. Nothing is compared with an expected value (a public lock has none), hidden
probes are not even called, and the view is :func:`grader.report.format_view.format_view`, the
one the service shows at ``format`` visibility.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from grader.checks.base import Context
from grader.checks.forms import form_problem
from grader.checks.probes import probe_inputs
from grader.frozen import Frozen
from grader.grading.discover import Submission, SubmissionProblem, discover
from grader.grading.score import run_context, run_info
from grader.grading.submission import run_submission
from grader.report import RunInfo
from grader.report.format_view import FormatView, Row, format_view
from grader.report.textsafe import one_line
from grader.sandbox.doctor import choose_runner
from grader.sandbox.job import RunResult
from grader.sandbox.process import Runner
from grader.sandbox.scratch import scratch_dir
from grader.sheet import Sheet
from grader.sheet.kinds import FiniteDifferenceCheck, FunctionCheck, ManualCheck
from grader.sheet.public_lock import PublicLock
from grader.sheet.spec import Check, Limits, student_derivations
from grader.sheet.training import ModelCheck


class SelfCheck(Frozen):
    sheet: str
    student: str
    isolation: str
    view: FormatView
    duration_s: float
    limits: Limits
    manual: list[str]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return self.view.clean


def submission_at(path: Path) -> Submission:
    """The one submission at ``path`` (a notebook, script, folder or zip), as grading would find it."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    found = next((s for s in discover(path.parent) if s.path == path.absolute()), None)
    return found or Submission(path.stem, path.absolute(), None)


def checking_runner(sheet: Sheet) -> Runner:
    """The sandbox grading uses; on a machine without bubblewrap (a laptop) the student's own code
    runs under resource limits only, which is theirs to allow (``runner.isolation`` says which)."""
    return choose_runner(sheet.spec.limits, allow_unsandboxed=True,
                         private=(sheet.folder, sheet.reference_dir))


def visible_only(sheet: Sheet) -> Sheet:
    """The sheet without hidden and random probes: a self-check runs on the student's machine,
    where their code could keep the inputs it is called with (grading calls them only after the
    run's log and answers have left the sandbox)."""
    def strip(check: Check) -> Check:
        return check.model_copy(update={"hidden": [], "random": None}) if isinstance(check, FunctionCheck) \
            else check

    tasks = [t.model_copy(update={"checks": [strip(c) for c in t.checks]}) for t in sheet.spec.tasks]
    return replace(sheet, spec=sheet.spec.model_copy(update={"tasks": tasks}))


def self_check(sheet: Sheet, public: PublicLock, sub: Submission, runner: Runner) -> SelfCheck:
    """Run ``sub`` as grading would, but for hidden probes, and judge it against ``public``."""
    with scratch_dir(f"grader-check-{sheet.id}-") as tmp:
        try:
            prepared, run = run_submission(visible_only(sheet), sub, runner, tmp)
            info = run_info(run, prepared.main.relative_to(prepared.workdir).as_posix(),
                            runner.isolation, str(prepared.workdir))
        except SubmissionProblem as exc:  # the same lines grading would write
            run = RunResult.failure("invalid_submission", str(exc))
            info = RunInfo(status="invalid_submission", message=str(exc), isolation=runner.isolation)
    return SelfCheck(sheet=sheet.id, student=sub.student, isolation=runner.isolation,
                     view=format_view(info, rows(sheet, public, run)), duration_s=info.duration_s,
                     limits=sheet.spec.limits, manual=[m.answer for m in public.manual],
                     notes=_notes(sheet, public))


def _notes(sheet: Sheet, public: PublicLock) -> list[str]:
    if public.sheet_hash == sheet.content_hash():
        return []
    return [f"the sheet folder {sheet.folder} differs from the one this lock was made from: "
            "ask your TA for the current sheet and public lock if something looks off"]


def rows(sheet: Sheet, public: PublicLock, run: RunResult) -> list[Row]:
    """Each check of the sheet with the first reason its answer cannot be checked (or None)."""
    ctx, broken = run_context(sheet, run, None)
    return [Row(task.id, check.answer, _problem(check, ctx, broken, public, sheet))
            for task, check in sheet.spec.checks()]


def _problem(check: Check, ctx: Context, broken: list[str], public: PublicLock, sheet: Sheet) -> str | None:
    if isinstance(check, ManualCheck):
        return None
    if check.answer in broken:
        return f"`{check.answer}` could not be read back from the run"
    if isinstance(check, FunctionCheck):
        return _function_problem(check, ctx)
    if isinstance(check, FiniteDifferenceCheck):
        return None if check.of in ctx.probes else ctx.missing(check.of, "defined as a function").message
    if isinstance(check, ModelCheck):
        return _model_problem(check, ctx)
    reads = check.answer in sheet.spec.answer_names()  # else a label (plots) or a statistic's name
    needed = [check.answer] * reads + [a for d in student_derivations(check) for a in d.args]
    missing = next((name for name in needed if name not in ctx.answers), None)
    if missing is not None:
        return ctx.missing(missing).message
    form = public.answers.get(check.answer)
    if not reads or form is None:
        return None
    why = form_problem(ctx.answers[check.answer], form, getattr(check, "shape", None) or sheet.spec.shape)
    return f"`{check.answer}`: {why}" if why else None


def _function_problem(check: FunctionCheck, ctx: Context) -> str | None:
    """Missing, or raising on a visible probe (hidden probes are never reported here)."""
    results = ctx.probes.get(check.answer)
    if results is None:
        return ctx.missing(check.answer, "defined as a function").message
    visible = [p for p in probe_inputs(check) if not p.hidden]
    for number, (probe, result) in enumerate(zip(visible, results, strict=False), 1):
        if result.error is not None:
            return f"{probe.describe(check.answer, number)} raised {result.error}"
    return None


def _model_problem(check: ModelCheck, ctx: Context) -> str | None:
    predictions = ctx.predictions.get(check.answer)
    if predictions is None:
        return ctx.missing(check.answer).message
    error = next((p.error for p in predictions if p.error), None)
    return f"calling {check.answer}: {error}" if error else None


def text_lines(result: SelfCheck) -> list[str]:
    """What ``grader check`` prints: student text on one line each, without control characters."""
    run, limits = result.view.run, result.limits
    lines = [f"{result.sheet}: {one_line(result.student)} ({result.isolation})",  # a file name, any bytes
             f"run: {run.status}" + (f": {one_line(run.message)}" if run.message else ""),
             f"time: {result.duration_s:.1f} s of the {limits.total_timeout_s:g} s allowed "
             f"({limits.cell_timeout_s:g} s per cell, {limits.memory_mib} MiB)"]
    lines += [f"cell {e.cell} raised {one_line(e.error)}" for e in run.cell_errors]
    lines += [f"problem: task {c.task}: {one_line(c.problem or '')}" for c in result.view.problems]
    shown = [c for c in result.view.checks if not c.problem and c.answer not in result.manual]
    lines += [f"ok: {', '.join(dict.fromkeys(c.answer for c in shown))} present and of the "
              "expected form" if shown else "ok: nothing"]
    if result.manual:
        lines.append(f"graded by your TA: {', '.join(result.manual)}")
    lines += [f"note: {one_line(n)}" for n in result.notes]
    verdict = ("everything the sheet asks for is there and of the expected form" if result.ok
               else "fix the problems above before you submit")
    return [*lines, f"{verdict} (this check says nothing about whether the answers are correct)"]
