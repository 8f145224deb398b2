"""The reference solution, run through the same pipeline as any student.

``lock_sheet`` turns its run into the lock file; ``check_reference`` proves it still earns
every auto-graded point against that lock, that the lock is fresh, and that the sheet's
follow-through functions reproduce the reference's own values from its own earlier answers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.checks import Context
from grader.checks.compare import compare
from grader.checks.statistic import statistic
from grader.grading.discover import Submission, SubmissionProblem, choose_main
from grader.grading.score import run_context, run_info, score
from grader.grading.submission import run_submission
from grader.harness import wire
from grader.report import ScoreReport
from grader.sandbox.job import RunResult
from grader.sandbox.process import Runner
from grader.sheet import Sheet, SheetError, families
from grader.sheet.calibration import CalibrationRecord, Stat, environment
from grader.sheet.datasets import identity
from grader.sheet.kinds import ValueCheck
from grader.sheet.lock import (
    SheetLock,
    build_lock,
    calibration_problems,
    load_lock,
    reference_problems,
    staleness,
    write_lock,
)
from grader.sheet.training import Family, ModelCheck, RangeCheck, Training

Variant = tuple[Training, Family]  # a family of one of the sheet's trainings
OnRun = Callable[[int, dict[str, float]], None]


def run_reference(sheet: Sheet, runner: Runner, seed: int | None = None,
                  variant: Variant | None = None) -> RunResult:
    """One run; under ``variant`` the reference gets ``GRADER_CONFIG={"training": …, **family}``."""
    if not sheet.reference_dir.is_dir():
        raise SheetError(f"the reference folder {sheet.reference_dir} of {sheet.id} does not exist")
    sub = Submission("reference", sheet.reference_dir, "folder")
    config = {"training": variant[0].name, **variant[1].config()} if variant else None
    with tempfile.TemporaryDirectory(prefix=f"grader-ref-{sheet.id}-") as tmp:
        try:
            return run_submission(sheet, sub, runner, Path(tmp), seed, config)[1]
        except SubmissionProblem as exc:
            raise SheetError(f"reference of {sheet.id}: {exc}") from None


def _previous(sheet: Sheet) -> SheetLock | None:
    try:
        return load_lock(sheet)
    except SheetError:
        return None


def lock_sheet(sheet: Sheet, runner: Runner) -> SheetLock:
    """Lock the reference's answers; calibrations of an unchanged reference are kept. A reference
    that misses answers is refused with the cell where each was expected."""
    run = run_reference(sheet, runner)
    try:
        lock = build_lock(sheet, run, _previous(sheet))
    except SheetError as exc:  # build_lock names the problems; say where the answers were expected
        raise SheetError(f"{exc}{_where_expected(sheet, run)}") from None
    write_lock(sheet, lock)
    return lock


def _where_expected(sheet: Sheet, run: RunResult) -> str:
    from grader.authoring.expected import where_expected

    try:
        main: Path | None = choose_main(sheet.reference_dir, sheet.spec.submission.filenames)
    except SubmissionProblem:  # the run said so already
        main = None
    lines = where_expected(sheet, run, main)
    return ". Where the reference should define them: " + "; ".join(lines) if lines else ""


def calibrate_sheet(sheet: Sheet, runner: Runner, runs: int | None = None,
                    on_run: OnRun | None = None) -> SheetLock:
    """Run the reference with seeds 0…runs-1 as it is, then under each further family of each
    training (measuring the checks of that training); lock seed 0's answers plus the ranges."""
    checks = sheet.spec.calibrated()
    if not checks:
        raise SheetError(f"{sheet.id} has no calibrated range or model checks")
    n = runs or max(c.calibrated.runs for c in checks if c.calibrated)
    first, stats = _measure(sheet, runner, checks, n, None, on_run)
    others = {}
    for training in sheet.spec.trainings:
        governed = [c for c in checks if c.training == training.name]
        for family in training.families[1:]:
            others[family.name] = _measure(sheet, runner, governed, n, (training, family), on_run)[1]
    record = CalibrationRecord(dataset=identity(sheet), seeds=list(range(n)), environment=environment(),
                               stats=stats, families=others)
    lock = build_lock(sheet, first, _previous(sheet))
    lock = lock.model_copy(update={"calibrations": {**lock.calibrations, record.dataset: record}})
    write_lock(sheet, lock)
    return lock


def _measure(sheet: Sheet, runner: Runner, checks: list[RangeCheck | ModelCheck], n: int,
             variant: Variant | None, on_run: OnRun | None) -> tuple[RunResult, dict[str, Stat]]:
    """The first run and the statistics of each check over n seeded runs."""
    values: dict[str, list[float]] = {c.key: [] for c in checks}
    under = f"family {variant[1].name}, " if variant else ""
    first: RunResult | None = None
    for seed in range(n):
        run = run_reference(sheet, runner, seed, variant)
        problems = reference_problems(sheet, run)
        if problems:
            raise SheetError(f"reference of {sheet.id}, {under}seed {seed}: " + "; ".join(problems))
        ctx, _ = run_context(sheet, run, None)
        measured = {c.key: statistic(c, ctx) for c in checks}
        for key, value in measured.items():
            values[key].append(value)
        first = first or run
        if on_run:
            on_run(seed, {f"{k} [{variant[1].name}]" if variant else k: v for k, v in measured.items()})
    assert first is not None
    return first, {c.key: Stat.of(values[c.key], c.calibrated) for c in checks if c.calibrated}


@dataclass(frozen=True)
class ReferenceCheck:
    sheet: str
    problems: list[str] = field(default_factory=list)
    report: ScoreReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_reference(sheet: Sheet, runner: Runner) -> ReferenceCheck:
    lock = load_lock(sheet)
    problems = staleness(sheet, lock)
    run = run_reference(sheet, runner)
    problems += reference_problems(sheet, run)
    report = score(sheet, lock, run, student="reference", info=run_info(run, "", runner.isolation))
    problems += _unearned(report)
    problems += _follow_through_problems(sheet, lock)
    problems += calibration_problems(sheet, lock, identity(sheet))
    if sheet.spec.trainings and not problems:
        problems += _family_problems(sheet, runner, lock, run)
    return ReferenceCheck(sheet.id, problems, report)


def _unearned(report: ScoreReport, prefix: str = "") -> list[str]:
    return [f"{prefix}task {t.id}, {c.answer}: {c.status}: {c.message}"
            for t in report.tasks for c in t.checks if c.status not in ("passed", "pending")]


def _family_problems(sheet: Sheet, runner: Runner, lock: SheetLock, default_run: RunResult) -> list[str]:
    """Each declared family: the reference under it (one run, seed 0) is read as that family and
    earns every automatic point against that family's own calibration."""
    problems: list[str] = []
    for training in sheet.spec.trainings:
        for i, family in enumerate(training.families):
            run = default_run if i == 0 else run_reference(sheet, runner, 0, (training, family))
            prefix = f"family {family.name}: "
            problems += [prefix + p for p in reference_problems(sheet, run)]
            choice = families.choose(training, run.training)
            if choice.family != family or not choice.exact or choice.outside:
                problems.append(f"{prefix}its fit() calls read as {choice.note}, not as {family.label}")
            report = score(sheet, lock, run, student="reference", info=run_info(run, "", runner.isolation))
            problems += _unearned(report, prefix)
    return problems


def _follow_through_problems(sheet: Sheet, lock: SheetLock) -> list[str]:
    expected, _ = lock.decoded()
    ctx = Context(sheet=sheet, answers=expected, probes={}, expected=expected, expected_probes={})
    problems = []
    for task, check in sheet.spec.checks():
        if isinstance(check, ValueCheck) and check.follow_through:
            derived = ctx.derive(check.follow_through.derive, expected)
            verdict = compare(wire.decode(wire.encode(derived)), expected[check.answer],
                              ctx.tolerance(check))
            if not verdict.ok:
                problems.append(f"task {task.id}, {check.answer}: follow-through function "
                                f"{check.follow_through.derive.function} disagrees with the "
                                f"reference: {verdict.message}")
    return problems
