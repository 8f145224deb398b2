"""A student's check before submitting (``grader check``): the notebook runs exactly as grading runs
it (the same preparation, job, sandbox and executor: :mod:`grader.grading.plan`) from a public lock
alone, no sheet folder, and the run is judged against that lock: what is missing, of the wrong
type or shape, which cells raised, how long it took against the sheet's limits. Nothing is
compared with an expected value (a public lock has none), hidden and random probes and model
inputs are not even in it, and the view is :func:`grader.report.format_view.format_view`, the one
the service shows at ``format`` visibility.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.checks.base import Outcome, ProbeResult, missing
from grader.checks.usable import check_problem
from grader.frozen import Frozen
from grader.grading.discover import Submission, SubmissionProblem, discover
from grader.grading.plan import data_files, job_of, prepare_run
from grader.grading.score import decode_answers, decode_probes, run_info, run_problem
from grader.report import RunInfo
from grader.report.format_view import FormatView, Row, format_view
from grader.report.textsafe import one_line
from grader.sandbox.doctor import choose_runner
from grader.sandbox.job import RunResult
from grader.sandbox.process import Runner
from grader.sandbox.scratch import scratch_dir
from grader.sheet import Sheet, load_sheet
from grader.sheet.public_lock import PublicLock, load_public_lock
from grader.sheet.spec import Limits


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


@dataclass(frozen=True)
class Handout:
    """What a self-check runs with: the public lock, the folder of its data files, the datasets
    given on the command line (``--mnist``), and notes for the student."""

    public: PublicLock
    data: Path
    overrides: Mapping[str, Path] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def handout_from_lock(path: Path, data: Path | None = None, mnist: Path | None = None) -> Handout:
    """A student's: the public lock a TA handed out, its data files beside it (or in ``data``)."""
    overrides = {"mnist": mnist.resolve()} if mnist is not None else {}
    return Handout(load_public_lock(path), (data or path.parent).resolve(), overrides)


def handout_from_sheet(sheet: Sheet, lock: Path | None = None) -> Handout:
    """A TA's: the sheet's own lock (or ``lock``, full or public) reduced to its public part."""
    public = load_public_lock(lock or sheet.lock_path, sheet)
    notes = () if public.sheet_hash == sheet.content_hash() else (
        f"the sheet folder {sheet.folder} differs from the one this lock was made from: "
        "ask your TA for the current sheet and public lock if something looks off",)
    return Handout(public, sheet.folder / "data", sheet.data_overrides, notes)


def find_handout(target: str, lock: Path | None = None, data: Path | None = None,
                 mnist: Path | None = None) -> Handout:
    """``target``: a public lock file, or a sheet id or folder (then ``lock`` replaces its own)."""
    if lock is None and Path(target).is_file():
        return handout_from_lock(Path(target), data, mnist)
    return handout_from_sheet(load_sheet(target).with_data(mnist=mnist), lock)


def submission_at(path: Path) -> Submission:
    """The one submission at ``path`` (a notebook, script, folder or zip), as grading would find it."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    found = next((s for s in discover(path.parent) if s.path == path.absolute()), None)
    return found or Submission(path.stem, path.absolute(), None)


def checking_runner(limits: Limits) -> Runner:
    """The sandbox grading uses; on a machine without bubblewrap (a laptop) the student's own code
    runs under resource limits only, which is theirs to allow (``runner.isolation`` says which)."""
    return choose_runner(limits, allow_unsandboxed=True)


def self_check(handout: Handout, sub: Submission, runner: Runner) -> SelfCheck:
    """Run ``sub`` as grading would, but for hidden probes, and judge it against the public lock."""
    public, plan = handout.public, handout.public.plan
    data = data_files(plan, handout.data)
    with scratch_dir(f"grader-check-{public.sheet}-") as tmp:
        try:
            prepared = prepare_run(plan, sub, tmp, data, handout.overrides)
            run = runner.run(job_of(plan, prepared))
            info = run_info(run, prepared.main.relative_to(prepared.workdir).as_posix(),
                            runner.isolation, str(prepared.workdir))
        except SubmissionProblem as exc:  # the same lines grading would write
            run = RunResult.failure("invalid_submission", str(exc))
            info = RunInfo(status="invalid_submission", message=str(exc), isolation=runner.isolation)
    return SelfCheck(sheet=public.sheet, student=sub.student, isolation=runner.isolation,
                     view=format_view(info, rows(public, run)), duration_s=info.duration_s,
                     limits=plan.limits, manual=[m.answer for m in public.manual], notes=list(handout.notes))


@dataclass(frozen=True)
class RunSeen:
    """What a run left, decoded as grading decodes it (a :class:`grader.checks.usable.Seen`)."""

    answers: Mapping[str, Any]
    probes: Mapping[str, Sequence[ProbeResult]]
    predictions: Mapping[str, Sequence[ProbeResult]]
    removed: Mapping[str, int]
    run_problem: str

    def missing(self, name: str, what: str = "defined") -> Outcome:
        return missing(name, what, self.removed, self.run_problem)


def rows(public: PublicLock, run: RunResult) -> list[Row]:
    """Each check of the sheet with the first reason its answer cannot be checked (or None)."""
    answers, broken = decode_answers(run)
    seen = RunSeen(answers, decode_probes(run.probes), decode_probes(run.predictions), run.removed,
                   run_problem(run))
    return [Row(c.task, c.answer, check_problem(c, public, seen, broken)) for c in public.checks]


def text_lines(result: SelfCheck) -> list[str]:
    """What ``grader check`` prints: student text on one line each, without control characters."""
    run, limits = result.view.run, result.limits
    lines = [f"{result.sheet}: {one_line(result.student)} ({result.isolation})",  # a file name, any bytes
             f"run: {run.status}" + (f": {one_line(run.message)}" if run.message else ""),
             f"time: {result.duration_s:.1f} s of the {limits.total_timeout_s:g} s allowed "
             f"({limits.cell_timeout_s:g} s per cell, {limits.memory_mib} MiB)"]
    lines += [f"cell {e.cell} raised {one_line(e.error)}" for e in run.cell_errors]
    lines += [f"problem: task {c.task}: {one_line(c.problem or '')}" for c in result.view.problems]
    troubled = {c.answer for c in result.view.problems}  # an answer two checks read is ok only if both say so
    shown = [c for c in result.view.checks if c.answer not in troubled and c.answer not in result.manual]
    lines += [f"ok: {', '.join(dict.fromkeys(c.answer for c in shown))} present and of the "
              "expected form" if shown else "ok: nothing"]
    if result.manual:
        lines.append(f"graded by your TA: {', '.join(result.manual)}")
    lines += [f"note: {one_line(n)}" for n in result.notes]
    verdict = ("everything the sheet asks for is there and of the expected form" if result.ok
               else "fix the problems above before you submit")
    return [*lines, f"{verdict} (this check says nothing about whether the answers are correct)"]
