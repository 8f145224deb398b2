"""``range`` and ``model``: a number lies in an accepted interval — stated by the sheet, or
calibrated from repeated reference runs.

``range`` judges one of the student's answers (or a statistic of them, e.g. the best
configuration's accuracy). ``model`` judges a metric the grader computes itself: the student's
model only predicts on the grader's inputs inside the sandbox, the targets never go in
(``grader.checks.model`` first makes sure it was a trained Keras model, then asks this module).
"""

from __future__ import annotations

from grader.calibration import interval, statistic
from grader.checks.base import Context, Outcome
from grader.report import CheckDetails
from grader.spec import Interval, ModelCheck, RangeCheck


def _shown(iv: Interval) -> str:
    if iv.low is not None and iv.high is not None:
        return f"[{iv.low:.4g}, {iv.high:.4g}]"
    return f"≥ {iv.low:.4g}" if iv.low is not None else f"≤ {iv.high:.4g}"


def subject(check: RangeCheck | ModelCheck) -> str:
    name = f"{check.metric} of `{check.answer}`" if isinstance(check, ModelCheck) else f"`{check.key}`"
    return f"{name} ({check.what})" if check.what else name


def check(spec: RangeCheck | ModelCheck, ctx: Context) -> Outcome:
    try:
        iv, source = interval(spec, ctx.calibration)
    except KeyError:
        return Outcome("error", 0.0, f"{subject(spec)}: the sheet has no calibration for this data; "
                       "a TA must run `grader calibrate`. Not your fault.")
    needed = [] if isinstance(spec, ModelCheck) else spec.statistic.args if spec.statistic else [spec.answer]
    missing = [name for name in needed if name not in ctx.answers]
    if missing:
        return ctx.missing(missing[0])
    try:
        value = statistic(spec, ctx)
    except Exception as exc:  # the student's answers may have any type or shape
        why = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        return Outcome("error", 0.0, f"{subject(spec)} cannot be judged: {why}")
    details = CheckDetails(got=f"{value:.6g}", expected=_shown(iv), tolerance=source)
    below = iv.low is not None and value < iv.low
    above = iv.high is not None and value > iv.high
    if not (below or above):
        return Outcome("passed", 1.0, f"{subject(spec)} = {value:.4g} lies in the accepted range "
                       f"{_shown(iv)} ({source}).", details)
    side = "below" if below else "above"
    return Outcome("failed", 0.0, f"{subject(spec)} = {value:.4g} is {side} the accepted range "
                   f"{_shown(iv)} ({source}).", details)
