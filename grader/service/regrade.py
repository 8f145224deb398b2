"""Regrade a sheet after ``grader lock`` changed it: the counted submissions go back in the queue,
and once they are graded the result says who gained and who lost points."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.frozen import Frozen
from grader.service import jobs
from grader.service.course import Offer
from grader.service.db import JobRow, Regrade, now
from grader.service.grades import score_of, standings


class Change(Frozen):
    student: str
    before: float
    after: float


class RegradeResult(Frozen):
    id: int
    sheet: str
    pending: int
    gained: list[Change]
    lost: list[Change]
    unchanged: int


def start_regrade(session: Session, offer: Offer, sheet_id: str) -> int:
    """Queue the submissions that count or may count (every graded one when the best counts)."""
    table = standings(session, offer, sheet_id)
    before = {s.student.id: score_of(offer, s) for s in table if s.counted is not None}
    regrade = Regrade(sheet_id=sheet_id, created_at=now(), before_json=json.dumps(before))
    session.add(regrade)
    session.flush()
    for s in table:
        again = [s.counted] if offer.counts == "last" else [r for r in s.submissions if r.report_json]
        for row in again:
            if row is not None:
                jobs.enqueue(session, row.id, regrade.id)
    return regrade.id


def regrade_result(session: Session, offer: Offer, regrade: Regrade) -> RegradeResult:
    pending = int(session.scalar(select(func.count()).select_from(JobRow).where(
        JobRow.regrade_id == regrade.id, JobRow.state != "done")) or 0)
    before: dict[str, float] = json.loads(regrade.before_json)
    after = {s.student.id: score_of(offer, s) for s in standings(session, offer, regrade.sheet_id)}
    changes = [Change(student=sid, before=old, after=after.get(sid) or 0.0) for sid, old in before.items()]
    return RegradeResult(id=regrade.id, sheet=regrade.sheet_id, pending=pending,
                         gained=[c for c in changes if c.after > c.before + 1e-9],
                         lost=[c for c in changes if c.after < c.before - 1e-9],
                         unchanged=sum(abs(c.after - c.before) <= 1e-9 for c in changes))
