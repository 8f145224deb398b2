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

from grader import families
from grader.calibration import CalibrationRecord, Stat, environment, statistic
from grader.checks import Context
from grader.compare import compare
from grader.datasets import identity
from grader.discover import Submission, SubmissionProblem
from grader.harness import wire
from grader.job import RunResult
from grader.lock import (
    SheetLock,
    build_lock,
    calibration_problems,
    load_lock,
    reference_problems,
    staleness,
    write_lock,
)
from grader.pipeline import run_submission
from grader.report import ScoreReport
from grader.runner import Runner
from grader.score import run_context, run_info, score
from grader.sheet import Sheet, SheetError
from grader.spec import Family, ValueCheck


def run_reference(sheet: Sheet, runner: Runner, seed: int | None = None,
                  family: Family | None = None) -> RunResult:
    if not sheet.reference_dir.is_dir():
        raise SheetError(f"the reference folder {sheet.reference_dir} of {sheet.id} does not exist")
    sub = Submission("reference", sheet.reference_dir, "folder")
    config = family.config() if family else None
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
    """Lock the reference's answers; calibrations of an unchanged reference are kept."""
    lock = build_lock(sheet, run_reference(sheet, runner), _previous(sheet))
    write_lock(sheet, lock)
    return lock


def calibrate_sheet(sheet: Sheet, runner: Runner, runs: int | None = None,
                    on_run: Callable[[int, dict[str, float]], None] | None = None) -> SheetLock:
    """Run the reference with seeds 0…runs-1 (under each training family the sheet declares);
    lock the default's seed 0 answers plus the measured ranges."""
    checks = sheet.spec.calibrated()
    if not checks:
        raise SheetError(f"{sheet.id} has no calibrated range or model checks")
    n = runs or max(c.calibrated.runs for c in checks if c.calibrated)
    families: list[Family | None] = list(sheet.spec.training.families) if sheet.spec.training else [None]
    measured = [_measure(sheet, runner, family, n, on_run) for family in families]
    stats = [{c.key: Stat.of(values[c.key], c.calibrated) for c in checks if c.calibrated}
             for _, values in measured]
    others = {f.name: s for f, s in zip(families[1:], stats[1:], strict=True) if f is not None}
    record = CalibrationRecord(dataset=identity(sheet), seeds=list(range(n)), environment=environment(),
                               stats=stats[0], families=others)
    lock = build_lock(sheet, measured[0][0], _previous(sheet))
    lock = lock.model_copy(update={"calibrations": {**lock.calibrations, record.dataset: record}})
    write_lock(sheet, lock)
    return lock


OnRun = Callable[[int, dict[str, float]], None]


def _measure(sheet: Sheet, runner: Runner, family: Family | None, n: int,
             on_run: OnRun | None) -> tuple[RunResult, dict[str, list[float]]]:
    """The first run and, per calibrated check, its value in each of n seeded runs."""
    checks = sheet.spec.calibrated()
    values: dict[str, list[float]] = {c.key: [] for c in checks}
    first: RunResult | None = None
    for seed in range(n):
        run = run_reference(sheet, runner, seed, family)
        problems = reference_problems(sheet, run)
        if problems:
            raise SheetError(f"reference of {sheet.id}, {_under(family)}seed {seed}: " + "; ".join(problems))
        ctx, _ = run_context(sheet, run, None)
        measured = {c.key: statistic(c, ctx) for c in checks}
        for key, value in measured.items():
            values[key].append(value)
        first = first or run
        if on_run:
            on_run(seed, {f"{k}{' [' + family.name + ']' if family else ''}": v for k, v in measured.items()})
    assert first is not None
    return first, values


def _under(family: Family | None) -> str:
    return f"family {family.name}, " if family else ""


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
    if sheet.spec.training and not problems:
        problems += _family_problems(sheet, runner, lock, run)
    return ReferenceCheck(sheet.id, problems, report)


def _unearned(report: ScoreReport, prefix: str = "") -> list[str]:
    return [f"{prefix}task {t.id}, {c.answer}: {c.status}: {c.message}"
            for t in report.tasks for c in t.checks if c.status not in ("passed", "pending")]


def _family_problems(sheet: Sheet, runner: Runner, lock: SheetLock, default_run: RunResult) -> list[str]:
    """Each declared family: the reference under it (one run, seed 0) is read as that family and
    earns every automatic point against that family's own calibration."""
    assert sheet.spec.training is not None
    problems: list[str] = []
    for i, family in enumerate(sheet.spec.training.families):
        run = default_run if i == 0 else run_reference(sheet, runner, 0, family)
        prefix = f"family {family.name}: "
        problems += [prefix + p for p in reference_problems(sheet, run)]
        choice = families.choose(sheet.spec.training, run.training)
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
