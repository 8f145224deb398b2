"""The expected-answers lock file: what the reference solution produced, and where.

``grader lock SHEET`` runs the reference through the same discovery, job and runner that
students go through and writes ``sheets/<id>/expected.lock.json``. The lock records hashes of the
sheet folder and of the reference, so a change to either makes it stale; grading refuses a
stale lock, and ``grader check-reference`` fails on one.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib.metadata import version
from typing import Any

import numpy as np
from pydantic import Field, JsonValue, ValidationError

from grader.authoring.suggest import did_you_mean
from grader.frozen import Frozen
from grader.harness import wire
from grader.sandbox.job import RunResult
from grader.sheet import Sheet, SheetError, hash_tree
from grader.sheet.calibration import CalibrationRecord, Stat
from grader.sheet.kinds import FiniteDifferenceCheck, FunctionCheck
from grader.sheet.training import ModelCheck, RangeCheck


class Environment(Frozen):
    python: str
    numpy: str
    platform: str
    grader: str

    @classmethod
    def current(cls) -> Environment:
        return cls(python=platform.python_version(), numpy=np.__version__,
                   platform=f"{platform.system()} {platform.machine()}", grader=version("grader"))


class SheetLock(Frozen):
    sheet: str
    sheet_hash: str
    reference_hash: str
    environment: Environment
    answers: dict[str, JsonValue]
    probe_outputs: dict[str, list[JsonValue]]
    calibrations: dict[str, CalibrationRecord] = Field(
        default_factory=dict, description="dataset identity -> calibrated ranges")

    @property
    def fingerprint(self) -> str:
        """Identity of the expected answers: a report graded against another lock is stale."""
        identity = f"{self.sheet_hash}:{self.reference_hash}"
        if self.calibrations:
            identity += ":" + json.dumps({k: v.model_dump(mode="json") for k, v in self.calibrations.items()},
                                         sort_keys=True)
        return hashlib.sha256(identity.encode()).hexdigest()

    def decoded(self) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        answers = {k: wire.decode(v) for k, v in self.answers.items()}
        probes = {k: [wire.decode(v) for v in vs] for k, vs in self.probe_outputs.items()}
        return answers, probes


def reference_problems(sheet: Sheet, run: RunResult) -> list[str]:
    """Why this run of the reference cannot define the expected answers ([] when it can)."""
    problems = [] if run.status == "completed" else [f"run {run.status}: {run.message}"]
    problems += [f"cell {e.index + 1} raised {e.ename}: {e.evalue}" for e in run.cell_errors]
    for name in sheet.spec.answer_names():
        value = run.answers.get(name)
        if value is None and name not in run.answers:
            problems.append(f"answer {name!r} is not defined")
        elif isinstance(wire.decode(value), wire.Unsupported):
            problems.append(f"answer {name!r} has an unsupported type")
    for _, check in sheet.spec.checks():
        if isinstance(check, FunctionCheck):
            outcomes = run.probes.get(check.answer)
            if outcomes is None:
                problems.append(f"function {check.answer!r} is not defined")
            problems += [f"{check.answer} probe #{i}: {o.error}"
                         for i, o in enumerate(outcomes or [], 1) if o.error]
        elif isinstance(check, FiniteDifferenceCheck) and check.of not in run.probes:
            # a typo in `of:` would lock, and every student's difference fail at grading
            problems.append(f"function {check.of!r} (finite_difference of {check.answer}, `of:`) is not "
                            f"defined{did_you_mean(check.of, set(run.probes) - {check.answer})}")
    for model in sheet.spec.models():
        predictions = run.predictions.get(model.answer)
        if predictions is None:
            problems.append(f"model {model.answer!r} is not defined")
        problems += [f"calling {model.answer}: {o.error}" for o in predictions or [] if o.error]
    return problems


def build_lock(sheet: Sheet, run: RunResult, previous: SheetLock | None = None) -> SheetLock:
    """The lock of this reference run; calibrations of the same reference are carried over."""
    problems = reference_problems(sheet, run)
    if problems:
        raise SheetError(f"reference of {sheet.id} ({sheet.reference_dir}) cannot be locked: "
                         + "; ".join(problems))
    reference_hash = hash_tree(sheet.reference_dir)
    kept = previous.calibrations if previous and previous.reference_hash == reference_hash else {}
    return SheetLock(
        sheet=sheet.id, sheet_hash=sheet.content_hash(), reference_hash=reference_hash,
        environment=Environment.current(), answers=dict(run.answers),
        probe_outputs={name: [o.output for o in outs] for name, outs in run.probes.items()},
        calibrations={k: rederive(sheet, r) for k, r in kept.items()})


def rederive(sheet: Sheet, record: CalibrationRecord) -> CalibrationRecord:
    """The same measurements under the sheet's current interval rules (sigmas, margin, side), for
    the families the sheet still declares."""
    def again(stats: dict[str, Stat]) -> dict[str, Stat]:
        return {c.key: Stat.of(stats[c.key].values, c.calibrated)
                for c in sheet.spec.calibrated() if c.calibrated and c.key in stats}

    return record.model_copy(update={"stats": again(record.stats), "families": {
        name: again(stats) for name, stats in record.families.items() if name in _other_families(sheet)}})


def _other_families(sheet: Sheet, check: RangeCheck | ModelCheck | None = None) -> list[str]:
    """The training families beyond the default (calibrated in ``CalibrationRecord.families``),
    of the sheet or of one check."""
    trainings = sheet.spec.trainings if check is None else [sheet.spec.training_of(check)]
    return [f.name for t in trainings if t for f in t.families[1:]]


def calibration_problems(sheet: Sheet, lock: SheetLock, dataset: str) -> list[str]:
    """Calibrated checks with no measurements for the data being graded on (in each of their families)."""
    record = lock.calibrations.get(dataset)
    missing = [c.key for c in sheet.spec.calibrated() if record is None or c.key not in record.stats
               or any(c.key not in record.families.get(f, {}) for f in _other_families(sheet, c))]
    if not missing:
        return []
    return [f"no calibration of {', '.join(missing)} on “{dataset}”: run `grader calibrate {sheet.id}`"
            + (" with the same --mnist" if "MNIST" in dataset else "")]


def write_lock(sheet: Sheet, lock: SheetLock) -> None:
    text = json.dumps(lock.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"
    sheet.lock_path.write_text(text, encoding="utf-8")


def load_lock(sheet: Sheet) -> SheetLock:
    if not sheet.lock_path.is_file():
        raise SheetError(f"{sheet.lock_path} is missing: run `grader lock {sheet.id}`")
    text = sheet.lock_path.read_text(encoding="utf-8")
    try:
        return SheetLock.model_validate_json(text)
    except ValidationError as exc:
        from grader.sheet.public_lock import public_kind_problem  # it imports this module

        why = public_kind_problem(text) or str(exc)
        raise SheetError(f"{sheet.lock_path} is not a valid lock file: {why}") from None


def staleness(sheet: Sheet, lock: SheetLock) -> list[str]:
    """Reasons the lock no longer describes this sheet and reference ([] when fresh)."""
    reasons = []
    if lock.sheet_hash != sheet.content_hash():
        reasons.append(f"{sheet.folder} changed since the lock was made")
    if lock.reference_hash != hash_tree(sheet.reference_dir):
        reasons.append(f"{sheet.reference_dir} changed since the lock was made")
    return reasons


def require_fresh_lock(sheet: Sheet) -> SheetLock:
    lock = load_lock(sheet)
    reasons = staleness(sheet, lock)
    if reasons:
        raise SheetError(f"the lock of {sheet.id} is stale ({'; '.join(reasons)}): "
                         f"run `grader lock {sheet.id}`")
    return lock
