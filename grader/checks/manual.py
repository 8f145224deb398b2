"""``manual``: free text, proofs and plots a TA scores; pending until an override arrives."""

from __future__ import annotations

from grader.checks.base import Context, Outcome
from grader.sheet.kinds import ManualCheck


def check(spec: ManualCheck, ctx: Context) -> Outcome:
    # The prompt is the TA's rubric (often the model answer): it stays out of student feedback.
    return Outcome("pending", 0.0, "Not auto-graded: a TA will score this point.")
