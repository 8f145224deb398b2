"""The number a ``range`` or ``model`` check judges: an answer, a statistic of the answers (computed
by the sheet's trusted ``derive.py``), or a metric of a model's predictions on the grader's inputs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.checks.base import Context
from grader.checks.metrics import METRICS
from grader.sheet.training import ModelCheck, RangeCheck


def _real(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        if isinstance(value, np.ndarray) and value.size == 1:
            return _real(value.item(), what)
        raise ValueError(f"{what} is {type(value).__name__}, not a number")
    if not math.isfinite(float(value)):
        raise ValueError(f"{what} is {value}")
    return float(value)


def statistic(check: RangeCheck | ModelCheck, ctx: Context) -> float:
    """The number a range/model check judges; ValueError/KeyError say why there is none."""
    if isinstance(check, RangeCheck):
        if check.statistic is None:
            return _real(ctx.answers[check.answer], f"`{check.answer}`")
        return _real(ctx.derive(check.statistic, ctx.answers), f"{check.key}")
    results = ctx.predictions[check.answer]
    if results[0].error is not None:
        raise ValueError(f"calling `{check.answer}` on the grader's inputs raised {results[0].error}")
    targets = ctx.sheet.derive[check.targets.function]()
    return METRICS[check.metric](results[0].value, targets)
