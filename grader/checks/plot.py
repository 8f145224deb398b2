"""``plot``: a figure the submission drew shows the data of its own answers.

The harness records every matplotlib figure drawn, in order (lines, scatter points, bars,
titles, labels; a figure shown with ``plt.show()`` and the next one drawn under the same number
are two records); here a series matches when its y values equal the expected ones and its x
values are the expected x, or just positions 0…n-1 / 1…n (a categorical axis or a plot against
the run number).
The snapshots come out of the student's process, so they are read through the models below
first: a payload of another shape is reported as unreadable, never trusted.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from grader.checks.base import Context, Outcome
from grader.checks.compare import compare, fmt
from grader.checks.student_data import derive_quietly, opaque, reason
from grader.frozen import Frozen
from grader.report import CheckDetails
from grader.sheet.kinds import PlotCheck, Tolerance

# The caps of grader/harness/preamble.py: a larger payload did not come from the harness.
_MAX_FIGURES, _MAX_AXES, _MAX_SERIES, _MAX_POINTS = 50, 20, 50, 10_000


class _Strict(Frozen):
    model_config = ConfigDict(strict=True)  # "1.5" or True is not a coordinate


class Series(_Strict):
    type: Literal["line", "scatter", "bar"]
    label: str
    x: list[float | None] = Field(max_length=_MAX_POINTS)  # None: a point that was not finite
    y: list[float | None] = Field(max_length=_MAX_POINTS)


class Axes(_Strict):
    title: str
    xlabel: str
    ylabel: str
    series: list[Series] = Field(max_length=_MAX_SERIES)


class Figure(_Strict):
    title: str
    axes: list[Axes] = Field(max_length=_MAX_AXES)


_FIGURES = TypeAdapter(list[Figure])


def read_figures(payload: Any) -> list[Figure]:
    """The recorded figures; raises ValueError with where and why when they cannot be read."""
    if not isinstance(payload, list | tuple):
        raise ValueError(f"a {type(payload).__name__} where a list of figures belongs")
    if len(payload) > _MAX_FIGURES:
        raise ValueError(f"{len(payload)} figures, more than the harness records ({_MAX_FIGURES})")
    try:
        return _FIGURES.validate_python(list(payload))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _location(first["loc"])
        got = "" if first["type"] == "missing" else f" (got a {type(first['input']).__name__})"
        why = first["msg"] + got
        raise ValueError(f"{where}: {why}" if where else why) from None


def _location(loc: tuple[int | str, ...]) -> str:
    """(0, 'axes', 1, 'series', 0, 'x', 3) → 'figure 1, axes 2, series 1, x[3]'."""
    parts: list[str] = []
    for previous, key in zip((None, *loc), loc, strict=False):
        if isinstance(key, int) and previous in (None, "axes", "series"):
            if previous is not None:
                parts.pop()  # 'axes' and its index become 'axes 2'
            parts.append(f"{previous or 'figure'} {key + 1}")
        elif isinstance(key, int) and parts:
            parts[-1] += f"[{key}]"
        else:
            parts.append(str(key))
    return ", ".join(parts)


def _matches(series: Series, x: np.ndarray, y: np.ndarray, tol: Tolerance) -> str | None:
    """How the series' x axis matched, or None."""
    sx = np.asarray([np.nan if v is None else v for v in series.x], dtype=float)
    sy = np.asarray([np.nan if v is None else v for v in series.y], dtype=float)
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


def ordinal(n: int) -> str:
    """1 → '1st', 2 → '2nd', 11 → '11th', 23 → '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _where(position: int, fig: Figure, axes: Axes, series: Series) -> str:
    """The figure by its place among those drawn (matplotlib reuses numbers after plt.show()),
    then the series by the labels of its own axes."""
    labels = [f"{k} “{text}”" for k, text in (("title", axes.title), ("xlabel", axes.xlabel),
                                              ("ylabel", axes.ylabel)) if text]
    name = f" “{series.label}”" if series.label and not series.label.startswith("_") else ""
    titled = f" (“{fig.title}”)" if fig.title else ""
    return (f"the {ordinal(position)} figure your code drew{titled}, {series.type}{name}"
            + (f" ({', '.join(labels)})" if labels else ""))


def _find(spec: PlotCheck, figures: list[Figure], x: np.ndarray, y: np.ndarray) -> Outcome | None:
    """The first drawn series that shows (x, y), as a passed Outcome."""
    for position, fig in enumerate(figures, 1):
        for axes in fig.axes:
            for series in axes.series:
                how = _matches(series, x, y, spec.tolerance)
                if how:
                    unlabelled = "" if axes.xlabel and axes.ylabel else " Label both axes next time."
                    where = _where(position, fig, axes, series)
                    return Outcome("passed", 1.0, f"{spec.answer}: {where} shows "
                                   f"your {', '.join(spec.data.args)} ({how}).{unlabelled}",
                                   CheckDetails(matched=how, tolerance=spec.tolerance.describe()))
    return None


def check(spec: PlotCheck, ctx: Context) -> Outcome:
    missing = [a for a in spec.data.args if a not in ctx.answers]
    if missing:
        return ctx.missing(missing[0])
    why = opaque(ctx, spec.data.args)
    try:
        if why:
            raise ValueError(why)
        with np.errstate(all="ignore"):
            x, y = (np.asarray(v, dtype=float).reshape(-1) for v in derive_quietly(ctx, spec.data))
    except Exception as exc:  # the answers the plot should show may be malformed
        return Outcome("error", 0.0, f"{spec.answer}: cannot tell what the plot should show: "
                       f"{why or reason(exc)}.")
    try:
        figures = read_figures(ctx.figures)
    except ValueError as exc:
        return Outcome("error", 0.0, f"{spec.answer}: the figures the run recorded cannot be read: {exc}.")
    found = _find(spec, figures, x, y)
    if found:
        return found
    n_series = sum(len(axes.series) for fig in figures for axes in fig.axes)
    drawn = (f"{len(figures)} figure(s) with {n_series} data series were drawn, but none shows"
             if figures else "No matplotlib figure was drawn; expected one showing")
    return Outcome("failed", 0.0, f"{spec.answer}: {drawn} y = {fmt(y)} against x = {fmt(x)} "
                   f"(your {', '.join(spec.data.args)}).",
                   CheckDetails(expected=f"y = {fmt(y)}", tolerance=spec.tolerance.describe()))
