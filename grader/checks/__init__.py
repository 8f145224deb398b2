"""Check kinds: one module each, registered here by the ``kind`` a sheet names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.checks import (
    accepted,
    choice,
    consistency,
    finite_difference,
    function,
    manual,
    model,
    plot,
    trend,
    value,
)
from grader.checks.base import Context, Outcome, ProbeResult

CheckFn = Callable[[Any, Context], Outcome]

REGISTRY: dict[str, CheckFn] = {
    "value": value.check,
    "function": function.check,
    "finite_difference": finite_difference.check,
    "range": accepted.check,
    "model": model.check,
    "trend": trend.check,
    "consistency": consistency.check,
    "plot": plot.check,
    "choice": choice.check,
    "manual": manual.check,
}

__all__ = ["REGISTRY", "Context", "Outcome", "ProbeResult", "run_check"]


def run_check(spec: Any, ctx: Context) -> Outcome:
    return REGISTRY[spec.kind](spec, ctx)
