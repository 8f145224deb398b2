"""``consistency``: an answer agrees with what the student's own other answers imply.

A reported mean must be the mean of the student's own list of runs; which convention matched
(e.g. the sample std with ddof=1 or the population std) is named in the feedback.
"""

from __future__ import annotations

from grader.checks.base import Context, Outcome
from grader.compare import compare, fmt
from grader.report import CheckDetails
from grader.spec import ConsistencyCheck


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
            implied = ctx.derive(derivation, ctx.answers)
        except Exception as exc:  # the student's list may be of any shape or type
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
