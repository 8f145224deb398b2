"""``consistency``: an answer agrees with what the student's own other answers imply.

A reported mean must be the mean of the student's own list of runs; which convention matched
(e.g. the sample std with ddof=1 or the population std) is named in the feedback. The list is
the student's, so it may hold anything: what cannot be computed with is reported, not raised.
"""

from __future__ import annotations

from typing import Any

from grader.checks.base import Context, Outcome
from grader.checks.compare import compare, fmt
from grader.checks.student_data import derive_quietly, non_finite, opaque, reason
from grader.report import CheckDetails
from grader.sheet.kinds import ConsistencyCheck, Derivation


def _implied(ctx: Context, derivation: Derivation, label: str) -> Any:
    """What the student's answers imply; ValueError says why nothing sensible is implied."""
    why = opaque(ctx, derivation.args)
    if why:
        raise ValueError(why)
    try:
        implied = derive_quietly(ctx, derivation)
    except Exception as exc:  # the student's list may be of any shape or type
        raise ValueError(reason(exc)) from None
    if non_finite(implied):
        raise ValueError(f"they give {fmt(implied)} ({label}): are they empty, or do they hold NaN, "
                         "inf or huge values?")
    return implied


def check(spec: ConsistencyCheck, ctx: Context) -> Outcome:
    name, tol = spec.answer, spec.tolerance
    missing = [n for n in (name, *spec.derive.args) if n not in ctx.answers]
    if missing:
        return ctx.missing(missing[0])
    got = ctx.answers[name]
    sources = ", ".join(f"`{a}`" for a in spec.derive.args)
    labelled = [(spec.description or spec.derive.function, spec.derive),
                *((a.label, a.derive) for a in spec.alternatives)]
    first = None
    for label, derivation in labelled:
        try:
            implied = _implied(ctx, derivation, label)
        except ValueError as exc:
            return Outcome("error", 0.0, f"`{name}` cannot be checked against {sources}: {exc}")
        verdict = compare(got, implied, tol)
        if verdict.ok:
            return Outcome("passed", 1.0, f"`{name}` = {fmt(got)} agrees with your own {sources} "
                           f"({label}).", CheckDetails(got=fmt(got), matched=label, tolerance=tol.describe()))
        first = first or (verdict, label)
    assert first is not None
    verdict, label = first
    return Outcome("failed", 0.0, f"`{name}` does not agree with your own {sources}: "
                   f"{verdict.sentence()} ({label})",
                   CheckDetails(got=verdict.got, expected=verdict.expected, tolerance=tol.describe()))
