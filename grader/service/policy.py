"""When a submission is accepted, which one counts, and what lateness costs: course.yaml's rules."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime

from grader.service.course import LatePolicy, Offer
from grader.service.db import SubmissionRow, utc

DAY_S = 86400.0


class Refused(Exception):
    """A submission the course's rules do not accept now; ``retry_after`` in seconds when waiting helps."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


def accepting(offer: Offer, at: datetime) -> bool:
    """Whether the sheet takes submissions at ``at`` at all (attempts aside): :func:`admit`'s window."""
    late_refused = offer.deadline is not None and at > offer.deadline and offer.late.policy == "refuse"
    return not (offer.opens and at < offer.opens) and not late_refused


def admit(offer: Offer, sheet_id: str, at: datetime, earlier: Sequence[datetime]) -> float:
    """Seconds late (0 on time) if a submission made ``at`` is accepted after ``earlier`` ones."""
    if offer.opens and at < offer.opens:
        raise Refused(403, f"{sheet_id} opens at {offer.opens.isoformat()}")
    late = (at - offer.deadline).total_seconds() if offer.deadline and at > offer.deadline else 0.0
    if late and offer.late.policy == "refuse":
        raise Refused(403, f"the deadline of {sheet_id} was {offer.deadline.isoformat()}"  # type: ignore[union-attr]
                           "; late submissions are not accepted")
    limit = offer.attempts
    if limit.max is not None and len(earlier) >= limit.max:
        raise Refused(429, f"all {limit.max} attempts at {sheet_id} are used")
    if limit.min_interval is not None and earlier:
        wait = (max(map(utc, earlier)) + limit.min_interval - at).total_seconds()
        if wait > 0:
            raise Refused(429, f"one submission per {limit.min_interval} at {sheet_id}: "
                               f"try again in {math.ceil(wait)} s", retry_after=math.ceil(wait))
    return late


def penalty_factor(late: LatePolicy, late_seconds: float) -> float:
    """What remains of a score submitted ``late_seconds`` late: each started day costs the penalty."""
    if late.policy != "penalty" or late_seconds <= 0 or late.penalty_per_day is None:
        return 1.0
    return max(0.0, 1.0 - math.ceil(late_seconds / DAY_S) * late.penalty_per_day)


def counted_score(offer: Offer, row: SubmissionRow, score: float | None = None) -> float:
    """``row``'s score after the late penalty (``score``: with the manual points that apply to it)."""
    raw = (row.score or 0.0) if score is None else score
    return round(raw * penalty_factor(offer.late, row.late_seconds), 6)


def counted(offer: Offer, rows: Sequence[SubmissionRow],
            worth: Callable[[SubmissionRow], float] | None = None) -> SubmissionRow | None:
    """The graded submission that goes to the gradebook: the last, or the best after penalties
    (``worth``: a row's score with the manual points that apply to it; else the automatic one)."""
    graded = [r for r in rows if r.report_json is not None]
    if not graded:
        return None
    if offer.counts == "last":
        return max(graded, key=lambda r: r.id)
    return max(graded, key=lambda r: (counted_score(offer, r, worth(r) if worth else None), r.id))
