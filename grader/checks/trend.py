"""``trend``: what a training sheet asks to see, whatever configuration the student chose.

``increasing``: y rises with x — the Spearman rank correlation of y with x is at least the
threshold (1: strictly in order; ties share their mean rank). ``spread``: repeated runs agree —
their sample std (ddof=1) divided by their mean is at most the threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.base import Context, Outcome
from grader.report import CheckDetails
from grader.sheet.training import TrendCheck


def check(spec: TrendCheck, ctx: Context) -> Outcome:
    missing = [name for name in spec.data.args if name not in ctx.answers]
    if missing:
        return ctx.missing(missing[0])
    name = f"`{spec.answer}` ({spec.what})" if spec.what else f"`{spec.answer}`"
    try:
        value, rule = (_rank_correlation if spec.rule == "increasing" else _relative_spread)(
            ctx.derive(spec.data, ctx.answers), spec.threshold)
    except Exception as exc:  # the student's answers may have any type or shape
        why = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        return Outcome("error", 0.0, f"{name} cannot be judged: {why}")
    ok = value >= spec.threshold if spec.rule == "increasing" else value <= spec.threshold
    details = CheckDetails(got=f"{value:.4g}", expected=rule)
    verdict = "as expected" if ok else "not as expected"
    return Outcome("passed" if ok else "failed", 1.0 if ok else 0.0,
                   f"{name}: {verdict}: {rule}; yours is {value:.3g}.", details)


def _floats(values: Any, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} holds NaN or infinite values")
    return arr


def _rank_correlation(data: Any, threshold: float) -> tuple[float, str]:
    x, y = (_floats(v, "the data") for v in data)
    if x.size != y.size or x.size < 3:
        raise ValueError(f"needs at least 3 (x, y) pairs, got {x.size} x and {y.size} y values")
    rx, ry = _ranks(x), _ranks(y)
    if np.std(ry) == 0:
        return 0.0, _increasing_rule(threshold)
    return float(np.corrcoef(rx, ry)[0, 1]), _increasing_rule(threshold)


def _increasing_rule(threshold: float) -> str:
    return f"it should rise with the size: Spearman rank correlation ≥ {threshold:g}"


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1…n, ties sharing their mean rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size)
    ranks[order] = np.arange(1, values.size + 1)
    for v in np.unique(values):
        ranks[values == v] = ranks[values == v].mean()
    return ranks


def _relative_spread(data: Any, threshold: float) -> tuple[float, str]:
    values = _floats(data, "the values")
    if values.size < 2 or values.mean() <= 0:
        raise ValueError(f"needs at least 2 values with a positive mean, got {values.size}")
    rule = f"the runs should agree: std (ddof=1) / mean ≤ {threshold:g}"
    return float(values.std(ddof=1) / values.mean()), rule
