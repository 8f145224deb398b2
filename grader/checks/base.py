"""What every check sees (the Context) and what it returns (an Outcome).

A check is a pure function ``(spec, Context) -> Outcome``: no I/O, no student code. The scorer
turns the Outcome's credit (0..1) into points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.checks.compare import Verdict, is_numeric
from grader.report import CheckDetails, CheckStatus, Entry
from grader.sheet import Sheet
from grader.sheet.calibration import CalibrationRecord
from grader.sheet.kinds import Derivation, FunctionCheck, Tolerance, ValueCheck


@dataclass(frozen=True)
class ProbeResult:
    value: Any = None
    error: str | None = None
    model: Mapping[str, Any] | None = None  # a model's predictions: what was called (class, layers)


@dataclass(frozen=True)
class Outcome:
    status: CheckStatus
    credit: float
    message: str
    details: CheckDetails = field(default_factory=CheckDetails)


def verdict_details(verdict: Verdict, **extra: Any) -> CheckDetails:
    """What a failed comparison shows: got, expected, the worst elements, the hint."""
    entries = [Entry(index=list(i), got=g, expected=e) for i, g, e in verdict.worst] or None
    return CheckDetails(got=verdict.got, expected=verdict.expected, hint=verdict.hint or None,
                        worst_index=list(verdict.worst_index) if verdict.worst_index else None,
                        worst_entries=entries, **extra)


def missing(name: str, what: str, removed: Mapping[str, int], run_problem: str) -> Outcome:
    """A name the run did not leave defined (``grader check`` says it too, without a Context)."""
    if name in removed:
        cell = removed[name] + 1
        return Outcome("error", 0.0, f"`{name}` is not {what} after running your submission: an "
                       f"earlier cell defined it and cell {cell} removed it (`del`, `%reset`).")
    why = f" {run_problem}" if run_problem else ""
    return Outcome("error", 0.0, f"`{name}` is not {what} after running your submission.{why}")


@dataclass(frozen=True)
class Context:
    sheet: Sheet
    answers: Mapping[str, Any]
    probes: Mapping[str, Sequence[ProbeResult]]
    expected: Mapping[str, Any]
    expected_probes: Mapping[str, Sequence[Any]]
    run_problem: str = ""
    removed: Mapping[str, int] = field(default_factory=dict)  # answer -> the cell that removed it
    predictions: Mapping[str, Sequence[ProbeResult]] = field(default_factory=dict)
    figures: Sequence[Any] = ()
    calibration: CalibrationRecord | None = None  # the lock's, for the data graded on
    training: Sequence[Any] = ()  # the run's fit() records: the configuration the student trained

    def tolerance(self, check: ValueCheck | FunctionCheck) -> Tolerance:
        return check.tolerance or self.sheet.spec.tolerance

    def missing(self, name: str, what: str = "defined") -> Outcome:
        return missing(name, what, self.removed, self.run_problem)

    def derive(self, derivation: Derivation, values: Mapping[str, Any]) -> Any:
        """Call a trusted derive.py function on named values; numeric lists become arrays."""
        args = [_numeric(values[name]) for name in derivation.args]
        return self.sheet.derive[derivation.function](*args)


def _numeric(value: Any) -> Any:
    return np.asarray(value, dtype=float) if isinstance(value, list) and is_numeric(value) else value
