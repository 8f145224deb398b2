"""``value``: an answer equals the reference within tolerance, or an accepted alternative, or
what the student's own earlier answers imply (follow-through)."""

from __future__ import annotations

from typing import Any

from grader.checks.base import Context, Outcome, verdict_details
from grader.checks.compare import Verdict, compare, fmt, matched
from grader.report import CheckDetails
from grader.sheet.kinds import ShapeRule, ValueCheck


def check(spec: ValueCheck, ctx: Context) -> Outcome:
    name = spec.answer
    if name not in ctx.answers:
        return ctx.missing(name)
    got, tol, shape = ctx.answers[name], ctx.tolerance(spec), _shape_rule(spec, ctx)
    verdict = compare(got, ctx.expected[name], tol, shape=shape)
    if verdict.ok:
        return _passed(name, got, matched(spec.convention if spec.alternatives else None,
                                          accepted=verdict.accepted), tol.describe())
    for alt in spec.alternatives:
        alt_verdict = compare(got, ctx.derive(alt.derive, ctx.expected), tol, shape=shape)
        if alt_verdict.ok:
            return _passed(name, got, matched(alt.label, accepted=alt_verdict.accepted), tol.describe())
    follow = _follow_through(spec, ctx, got)
    if isinstance(follow, Outcome):
        return follow
    return Outcome("failed", 0.0, f"`{name}`: {verdict.sentence()}{follow}",
                   verdict_details(verdict, tolerance=tol.describe()))


def _shape_rule(spec: ValueCheck, ctx: Context) -> ShapeRule:
    return spec.shape or ctx.sheet.spec.shape


def _passed(name: str, got: Any, convention: str | None, tolerance: str) -> Outcome:
    which = f" (accepted convention: {convention})" if convention else ""
    return Outcome("passed", 1.0, f"`{name}` = {fmt(got)} is correct{which}.",
                   CheckDetails(got=fmt(got), matched=convention, tolerance=tolerance))


def _follow_through(spec: ValueCheck, ctx: Context, got: Any) -> Outcome | str:
    """A passing Outcome, or a sentence to append to the failure ('' when not applicable)."""
    ft = spec.follow_through
    if ft is None or any(a not in ctx.answers for a in ft.derive.args):
        return ""
    inputs = ", ".join(f"`{a}`" for a in ft.derive.args)
    try:
        own = ctx.derive(ft.derive, ctx.answers)
    except Exception:  # the student's inputs may be of any shape or type
        return ""
    tol, shape = ctx.tolerance(spec), _shape_rule(spec, ctx)
    verdict: Verdict = compare(got, own, tol, shape=shape)
    if not verdict.ok:
        if compare(own, ctx.expected[spec.answer], tol, shape=shape).ok:
            return ""  # your inputs were right, so this adds nothing
        return f" From your own {inputs} it would be {fmt(own)}; it does not match that either."
    return Outcome(
        "passed", ft.credit,
        f"`{spec.answer}` = {fmt(got)} differs from the reference ({fmt(ctx.expected[spec.answer])}) "
        f"but follows exactly from your own {inputs}: follow-through credit"
        f"{'' if ft.credit == 1 else f' ({ft.credit:.0%} of the points)'}.",
        CheckDetails(got=fmt(got), expected=fmt(own), credit_via=f"follow-through from your {inputs}",
                     matched=matched(accepted=verdict.accepted), tolerance=tol.describe()))
