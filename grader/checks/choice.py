"""``choice``: a categorical answer is one of the accepted spellings."""

from __future__ import annotations

import re

from grader.checks.base import Context, Outcome
from grader.compare import fmt
from grader.report import CheckDetails
from grader.spec import ChoiceCheck


def normalize_choice(text: str) -> str:
    """Case, spaces and punctuation do not matter: 'X_1 * X_2' == 'x1x2'."""
    return re.sub(r"[\W_]+", "", text.casefold())


def check(spec: ChoiceCheck, ctx: Context) -> Outcome:
    name = spec.answer
    if name not in ctx.answers:
        return ctx.missing(name)
    got = ctx.answers[name]
    accepted = ", ".join(repr(a) for a in spec.accepted)
    if not isinstance(got, str):
        return Outcome("failed", 0.0, f"`{name}`: got {fmt(got)}, expected text; accepted: {accepted}",
                       CheckDetails(got=fmt(got), expected=accepted))
    match = next((a for a in spec.accepted if normalize_choice(a) == normalize_choice(got)), None)
    if match is None:
        return Outcome("failed", 0.0, f"`{name}`: {got!r} is not an accepted answer "
                       f"(accepted: {accepted}; case, spaces and punctuation are ignored).",
                       CheckDetails(got=repr(got), expected=accepted))
    return Outcome("passed", 1.0, f"`{name}` = {got!r} is correct.",
                   CheckDetails(got=repr(got), matched=match))
