"""``manual``: free text, proofs and plots a TA scores; pending until an override arrives."""

from __future__ import annotations

from grader.checks.base import Context, Outcome
from grader.spec import ManualCheck


def check(spec: ManualCheck, ctx: Context) -> Outcome:
    return Outcome("pending", 0.0, f"To be scored by a TA: {spec.prompt}")
