"""``choice``: a categorical answer is one of the accepted spellings.

An answer may be one text, or a tuple of texts judged item by item (``parts``: e.g. output
activation and loss), and may sit under a key of a dict answer (``key``).
"""

from __future__ import annotations

import re
from typing import Any

from grader.checks.base import Context, Outcome
from grader.checks.compare import fmt
from grader.report import CheckDetails
from grader.sheet.kinds import ChoiceCheck


def normalize_choice(text: str) -> str:
    """Case, spaces and punctuation do not matter: 'X_1 * X_2' == 'x1x2'."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _match(got: str, accepted: list[str]) -> str | None:
    return next((a for a in accepted if normalize_choice(a) == normalize_choice(got)), None)


def _value(spec: ChoiceCheck, ctx: Context) -> tuple[bool, Any]:
    got = ctx.answers[spec.answer]
    if spec.key is None:
        return True, got
    if not isinstance(got, dict):
        return False, f"`{spec.answer}` is {fmt(got)}, not a dict with key {spec.key!r}"
    if spec.key not in got:
        return False, f"`{spec.answer}` has no key {spec.key!r} (keys: {sorted(map(str, got))})"
    return True, got[spec.key]


def _parts(spec: ChoiceCheck, got: Any) -> Outcome:
    name = spec.label
    if not isinstance(got, list | tuple) or len(got) != len(spec.parts) or not all(
            isinstance(g, str) for g in got):
        return Outcome("failed", 0.0, f"`{name}`: got {fmt(got)}, expected a tuple of "
                       f"{len(spec.parts)} texts", CheckDetails(got=fmt(got)))
    wrong = [(i, g) for i, (g, acc) in enumerate(zip(got, spec.parts, strict=True)) if not _match(g, acc)]
    if wrong:
        i, g = wrong[0]
        return Outcome("failed", 0.0, f"`{name}`: item {i + 1}, {g!r}, is not accepted "
                       f"(accepted: {', '.join(map(repr, spec.parts[i]))}).",
                       CheckDetails(got=fmt(got), expected=" / ".join(p[0] for p in spec.parts)))
    return Outcome("passed", 1.0, f"`{name}` = {fmt(got)} is correct.",
                   CheckDetails(got=fmt(got), matched=" + ".join(p[0] for p in spec.parts)))


def check(spec: ChoiceCheck, ctx: Context) -> Outcome:
    name = spec.label
    if spec.answer not in ctx.answers:
        return ctx.missing(spec.answer)
    found, got = _value(spec, ctx)
    if not found:
        return Outcome("failed", 0.0, f"`{name}`: {got}.")
    if spec.parts:
        return _parts(spec, got)
    accepted = ", ".join(repr(a) for a in spec.accepted)
    if not isinstance(got, str):
        return Outcome("failed", 0.0, f"`{name}`: got {fmt(got)}, expected text; accepted: {accepted}",
                       CheckDetails(got=fmt(got), expected=accepted))
    match = _match(got, spec.accepted)
    if match is None:
        return Outcome("failed", 0.0, f"`{name}`: {got!r} is not an accepted answer "
                       f"(accepted: {accepted}; case, spaces and punctuation are ignored).",
                       CheckDetails(got=repr(got), expected=accepted))
    return Outcome("passed", 1.0, f"`{name}` = {got!r} is correct.",
                   CheckDetails(got=repr(got), matched=match))
