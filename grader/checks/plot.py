"""``plot``: a figure the submission drew shows the data of its own answers.

The harness snapshots every matplotlib figure (lines, scatter points, bars, titles, labels);
here a series matches when its y values equal the expected ones and its x values are the
expected x, or just positions 0…n-1 / 1…n (a categorical axis or a plot against the run number).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.base import Context, Outcome
from grader.compare import compare, fmt
from grader.report import CheckDetails
from grader.spec import PlotCheck, Tolerance


def _matches(series: dict[str, Any], x: np.ndarray, y: np.ndarray, tol: Tolerance) -> str | None:
    """How the series' x axis matched, or None."""
    sx = np.asarray([np.nan if v is None else v for v in series.get("x", [])], dtype=float)
    sy = np.asarray([np.nan if v is None else v for v in series.get("y", [])], dtype=float)
    if sx.shape != x.shape or sy.shape != y.shape:
        return None
    order = np.argsort(sx, kind="stable")
    n = len(x)
    for xs, ys in ((sx, sy), (sx[order], sy[order])):
        if not compare(ys, y, tol).ok:
            continue
        for label, want in (("x values", x), ("x = 0…n-1", np.arange(n)), ("x = 1…n", np.arange(1, n + 1))):
            if compare(xs, want.astype(float), tol).ok:
                return label
    return None


def _where(figure: int, axes: dict[str, Any], series: dict[str, Any]) -> str:
    labels = [f"{k} “{axes[k]}”" for k in ("title", "xlabel", "ylabel") if axes.get(k)]
    name = f" “{series['label']}”" if series.get("label") and not series["label"].startswith("_") else ""
    return f"figure {figure}, {series['type']}{name}" + (f" ({', '.join(labels)})" if labels else "")


def check(spec: PlotCheck, ctx: Context) -> Outcome:
    missing = [a for a in spec.data.args if a not in ctx.answers]
    if missing:
        return ctx.missing(missing[0])
    try:
        x, y = (np.asarray(v, dtype=float).reshape(-1) for v in ctx.derive(spec.data, ctx.answers))
    except Exception as exc:  # the answers the plot should show may be malformed
        return Outcome("error", 0.0, f"{spec.answer}: cannot tell what the plot should show: {exc}")
    n_series = 0
    for number, fig in enumerate(ctx.figures, 1):
        for axes in fig.get("axes", []):
            for series in axes.get("series", []):
                n_series += 1
                how = _matches(series, x, y, spec.tolerance)
                if how:
                    unlabelled = "" if axes.get("xlabel") and axes.get("ylabel") else \
                        " Label both axes next time."
                    return Outcome("passed", 1.0, f"{spec.answer}: {_where(number, axes, series)} shows "
                                   f"your {', '.join(spec.data.args)} ({how}).{unlabelled}",
                                   CheckDetails(matched=how, tolerance=spec.tolerance.describe()))
    found = (f"{len(ctx.figures)} figure(s) with {n_series} data series were drawn, but none shows"
             if ctx.figures else "No matplotlib figure was drawn; expected one showing")
    return Outcome("failed", 0.0, f"{spec.answer}: {found} y = {fmt(y)} against x = {fmt(x)} "
                   f"(your {', '.join(spec.data.args)}).",
                   CheckDetails(expected=f"y = {fmt(y)}", tolerance=spec.tolerance.describe()))
