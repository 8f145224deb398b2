"""``value``: an answer equals the reference within tolerance, or an accepted alternative, or
what the student's own earlier answers imply (follow-through)."""

from __future__ import annotations

from typing import Any

from grader.checks.base import Context, Outcome, verdict_details
from grader.compare import Verdict, compare, fmt
from grader.report import CheckDetails
from grader.spec import ValueCheck


def check(spec: ValueCheck, ctx: Context) -> Outcome:
    name = spec.answer
    if name not in ctx.answers:
        return ctx.missing(name)
    got, tol = ctx.answers[name], ctx.tolerance(spec)
    verdict = compare(got, ctx.expected[name], tol)
    if verdict.ok:
        return _passed(name, got, spec.convention if spec.alternatives else None, tol.describe())
    for alt in spec.alternatives:
        if compare(got, ctx.derive(alt.derive, ctx.expected), tol).ok:
            return _passed(name, got, alt.label, tol.describe())
    follow = _follow_through(spec, ctx, got)
    if isinstance(follow, Outcome):
        return follow
    return Outcome("failed", 0.0, f"`{name}`: {verdict.sentence()}{follow}",
                   verdict_details(verdict, tolerance=tol.describe()))


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
    verdict: Verdict = compare(got, own, ctx.tolerance(spec))
    if not verdict.ok:
        if compare(own, ctx.expected[spec.answer], ctx.tolerance(spec)).ok:
            return ""  # your inputs were right, so this adds nothing
        return f" From your own {inputs} it would be {fmt(own)}; it does not match that either."
    return Outcome(
        "passed", ft.credit,
        f"`{spec.answer}` = {fmt(got)} differs from the reference ({fmt(ctx.expected[spec.answer])}) "
        f"but follows exactly from your own {inputs}: follow-through credit"
        f"{'' if ft.credit == 1 else f' ({ft.credit:.0%} of the points)'}.",
        CheckDetails(got=fmt(got), expected=fmt(own), credit_via=f"follow-through from your {inputs}",
                     tolerance=ctx.tolerance(spec).describe()))
