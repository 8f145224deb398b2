"""Everyone's endpoints: sign in, who am I, submit, status, feedback, history.

A student sees only their own submissions: another's id is a 404, exactly as an unknown one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.service import jobs
from grader.service.auth import COOKIE, SESSION_MAX_AGE_S, Anyone, Principal, session_cookie, signed_in_as
from grader.service.db import SubmissionRow, now, reading
from grader.service.grades import counted_of, overrides, report_of
from grader.service.models import Feedback, History, Me, RowId, SheetInfo, SubmissionInfo
from grader.service.policy import penalty_factor
from grader.service.roster import active_token
from grader.service.state import Service, service
from grader.service.visibility import shown

router = APIRouter()
Svc = Annotated[Service, Depends(service)]


def submission_info(session: Session, row: SubmissionRow) -> SubmissionInfo:
    return SubmissionInfo(id=row.id, sheet=row.sheet_id, student=row.student_id, filename=row.filename,
                          size=row.size, sha256=row.sha256, created_at=row.created_at,
                          status=row.status, queue_position=jobs.position(session, row.id),
                          late_seconds=row.late_seconds, status_url=f"/api/submissions/{row.id}",
                          report_url=f"/api/submissions/{row.id}/report")


def visible_row(session: Session, who: Principal, submission_id: int) -> SubmissionRow:
    row = session.get(SubmissionRow, submission_id)
    if row is None or (who.role != "ta" and row.student_id != who.student_id):
        raise HTTPException(404, f"no submission {submission_id}")
    return row


def rows_of(session: Session, student_id: str, sheet_id: str) -> list[SubmissionRow]:
    query = select(SubmissionRow).where(SubmissionRow.student_id == student_id,
                                        SubmissionRow.sheet_id == sheet_id)
    return list(session.scalars(query.order_by(SubmissionRow.id)))


@router.get("/login", include_in_schema=False)
def login(request: Request, svc: Svc,
          token: str = Query(description="the secret from the personal link")) -> RedirectResponse:
    with reading(svc.factory) as session:
        found = active_token(session, token)
        if found is None:
            raise HTTPException(401, "this link is unknown or was revoked: ask your TA for a new one")
        current = signed_in_as(request, svc)
        if current is not None and current != found.id:
            # a link opened over someone else's session: never switched silently (a page could
            # otherwise sign a student into another account and collect what they upload)
            raise HTTPException(409, "this browser is signed in as someone else: use Sign out on any "
                                     "page first, then open your link again")
        value, _ = session_cookie(svc, found.id)
    response = RedirectResponse("/", status_code=303)  # the token leaves the address bar
    response.set_cookie(COOKIE, value, max_age=SESSION_MAX_AGE_S, httponly=True, samesite="lax",
                        secure=request.app.state.secure_cookies)
    return response


@router.get("/api/me", response_model=Me)
def me(who: Anyone, svc: Svc) -> Me:
    sheets, at = [], now()
    with reading(svc.factory) as session:
        for sheet_id, (offer, sheet) in svc.course.sheets.items():
            used = len(rows_of(session, who.student_id, sheet_id)) if who.student_id else 0
            interval = offer.attempts.min_interval
            sheets.append(SheetInfo(
                id=sheet_id, title=sheet.spec.title, opens=offer.opens, deadline=offer.deadline,
                attempts_used=used, attempts_max=offer.attempts.max,
                min_interval_s=interval.total_seconds() if interval else None, counts=offer.counts,
                late_policy=offer.late.policy,
                visibility_now="full" if who.role == "ta" else offer.visibility_at(at)))
    return Me(role=who.role, id=who.student_id, name=who.name, csrf_token=who.csrf_token, sheets=sheets)


@router.get("/api/submissions/{submission_id}", response_model=SubmissionInfo)
def status(submission_id: RowId, who: Anyone, svc: Svc) -> SubmissionInfo:
    with reading(svc.factory) as session:
        return submission_info(session, visible_row(session, who, submission_id))


@router.get("/api/submissions/{submission_id}/report", response_model=Feedback)
def report(submission_id: RowId, who: Anyone, svc: Svc) -> Feedback:
    """The feedback, as much of it as the sheet's visibility allows now (TAs: all of it)."""
    with reading(svc.factory) as session:
        row = visible_row(session, who, submission_id)
        graded = report_of(row, overrides(session, row.sheet_id, row.student_id))
        if graded is None:
            raise HTTPException(409, f"submission {submission_id} is not graded yet ({row.status})")
        offer, _ = svc.course.sheets[row.sheet_id]
        level = "full" if who.role == "ta" else offer.visibility_at(now())
        return Feedback(submission=submission_info(session, row), feedback=shown(graded, level),
                        penalty_factor=penalty_factor(offer.late, row.late_seconds))


@router.get("/api/sheets/{sheet_id}/submissions", response_model=History)
def history(sheet_id: str, who: Anyone, svc: Svc,
            student: Annotated[str | None, Query(description="TAs: whose history")] = None) -> History:
    offered = svc.course.offer(sheet_id)
    if offered is None:
        raise HTTPException(404, f"no sheet {sheet_id!r} in this course")
    whose = (student if who.role == "ta" else None) or who.student_id
    if whose is None:
        raise HTTPException(422, "TAs: name the student (?student=ID)")
    with reading(svc.factory) as session:
        rows = rows_of(session, whose, sheet_id)
        best = counted_of(offered[0], rows, overrides(session, sheet_id, whose))
        return History(sheet=sheet_id, student=whose, counted=best.id if best else None,
                       submissions=[submission_info(session, r) for r in rows])
