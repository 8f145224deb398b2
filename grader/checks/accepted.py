"""``range`` and ``model``: a number lies in an accepted interval — stated by the sheet, or
calibrated from repeated reference runs.

``range`` judges one of the student's answers (or a statistic of them, e.g. the best
configuration's accuracy). ``model`` judges a metric the grader computes itself: the student's
model only predicts on the grader's inputs inside the sandbox, the targets never go in
(``grader.checks.model`` first makes sure it was a trained Keras model, then asks this module).

On a sheet with training families the calibration is the one of the family nearest to what the
student built (``grader.sheet.families``); a configuration no family covers, or one outside the
sheet's choices, is judged against the bound the sheet states (``fallback``), never against the
range of a configuration the student did not use.
"""

from __future__ import annotations

from grader.checks.base import Context, Outcome
from grader.checks.statistic import statistic
from grader.report import CheckDetails
from grader.sheet import families
from grader.sheet.calibration import Stat
from grader.sheet.training import Interval, ModelCheck, RangeCheck

Judged = RangeCheck | ModelCheck


def _shown(iv: Interval) -> str:
    if iv.low is not None and iv.high is not None:
        return f"[{iv.low:.4g}, {iv.high:.4g}]"
    return f"≥ {iv.low:.4g}" if iv.low is not None else f"≤ {iv.high:.4g}"


def subject(check: Judged) -> str:
    name = f"{check.metric} of `{check.answer}`" if isinstance(check, ModelCheck) else f"`{check.key}`"
    return f"{name} ({check.what})" if check.what else name


def check(spec: Judged, ctx: Context) -> Outcome:
    training = ctx.sheet.spec.training_of(spec)
    choice = families.choose(training, ctx.training) if training else None
    try:
        stat = _stat(spec, ctx, choice)
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
    if spec.bounds is not None or stat is None:
        return _judge(spec, value, spec.bounds or Interval(), "the bound the sheet states")
    if choice is None:
        return _judge(spec, value, stat.interval, stat.describe())
    return _by_family(spec, value, stat, choice)


def _stat(spec: Judged, ctx: Context, choice: families.Choice | None) -> Stat | None:
    """The calibration that applies (None for a stated bound); KeyError when it is missing."""
    if spec.bounds is not None:
        return None
    if ctx.calibration is None:
        raise KeyError(spec.key)
    if choice is None or choice.default:
        return ctx.calibration.stat(spec.key)
    return ctx.calibration.stat(spec.key, choice.family.name)


def _by_family(spec: Judged, value: float, stat: Stat, choice: families.Choice) -> Outcome:
    """Exact family: its range. Nearest family only: its range when the value lies in it, else
    the stated fallback. Outside the sheet's choices: the fallback."""
    family = choice.family.label
    if not choice.recorded:
        return _judge(spec, value, stat.interval, f"{stat.describe()}; {choice.note}")
    if choice.outside:
        why = f"{choice.note} is outside what the sheet calibrates ({'; '.join(choice.outside)})"
    elif choice.exact:
        return _judge(spec, value, stat.interval, f"{stat.describe(family)}; {choice.note}")
    elif _inside(value, stat.interval):
        return _judge(spec, value, stat.interval, f"{choice.note} matches no calibrated family "
                      f"exactly; nearest: {stat.describe(family)}")
    else:
        why = f"{choice.note} matches no calibrated family exactly"
    assert spec.fallback is not None  # the sheet's validator requires it with training families
    return _judge(spec, value, spec.fallback, f"{why}, so the bound the sheet states for such "
                  f"configurations applies; for comparison, the nearest family, {stat.describe(family)}")


def _inside(value: float, iv: Interval) -> bool:
    return not ((iv.low is not None and value < iv.low) or (iv.high is not None and value > iv.high))


def _judge(spec: Judged, value: float, iv: Interval, source: str) -> Outcome:
    details = CheckDetails(got=f"{value:.6g}", expected=_shown(iv), tolerance=source)
    if _inside(value, iv):
        return Outcome("passed", 1.0, f"{subject(spec)} = {value:.4g} lies in the accepted range "
                       f"{_shown(iv)} ({source}).", details)
    side = "below" if iv.low is not None and value < iv.low else "above"
    return Outcome("failed", 0.0, f"{subject(spec)} = {value:.4g} is {side} the accepted range "
                   f"{_shown(iv)} ({source}).", details)
