"""course.yaml's window: what the workers warm for (accepting) is what an upload is admitted by."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from grader.service.course import Offer
from grader.service.policy import Refused, accepting, admit

OPENS = datetime(2026, 1, 1, tzinfo=timezone.utc)
DEADLINE = OPENS + timedelta(days=7)


SECOND = timedelta(seconds=1)


@pytest.mark.parametrize("late", ["refuse", "flag"])
@pytest.mark.parametrize("at", [OPENS - SECOND, OPENS, DEADLINE, DEADLINE + SECOND])
def test_accepting_is_admit_without_the_attempts(late: str, at: datetime) -> None:
    offer = Offer.model_validate({"sheet": "s", "opens": OPENS, "deadline": DEADLINE,
                                  "late": {"policy": late}})
    try:
        admit(offer, "s", at, [])
        admitted = True
    except Refused:
        admitted = False
    assert accepting(offer, at) == admitted
