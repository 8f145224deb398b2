"""Students' pages: their sheets, the upload, an attempt's live status and its feedback.

Each page calls the API's own functions (``api.me``, ``api.history``, ``api.status``,
``api.report``, ``submit.submit``), so a page shows exactly what the API answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.service import api, submit
from grader.service.auth import COOKIE, Principal
from grader.service.db import SubmissionRow, now, reading
from grader.service.grades import overrides, report_of
from grader.service.library import Override
from grader.service.models import RowId, SheetInfo, SubmissionInfo
from grader.service.pages.web import (
    PageError,
    StudentPage,
    Svc,
    Viewer,
    as_page,
    feedback_main,
    left,
    render,
    require_csrf,
)
from grader.service.policy import counted_score
from grader.service.state import Service
from grader.service.upload import KINDS

router = APIRouter(include_in_schema=False)
_SCORED = ("full", "correctness")  # the visibility levels that show points


@dataclass(frozen=True)
class Attempt:
    info: SubmissionInfo
    score: float | None  # after manual points and the late penalty; None when not shown (yet)
    max_score: float | None
    counted: bool


@dataclass(frozen=True)
class SheetView:
    info: SheetInfo
    time_left: str
    attempts: list[Attempt]

    @property
    def counted(self) -> Attempt | None:
        return next((a for a in self.attempts if a.counted), None)

    @property
    def attempts_left(self) -> int | None:
        return None if self.info.attempts_max is None else max(0, self.info.attempts_max - len(self.attempts))


def _attempt(svc: Service, info: SubmissionInfo, row: SubmissionRow, manual: list[Override],
             shown: bool, counted: bool) -> Attempt:
    report = report_of(row, manual) if shown else None
    if report is None:
        return Attempt(info, None, None, counted)
    offer = svc.course.sheets[row.sheet_id][0]
    return Attempt(info, counted_score(offer, row, report.score), report.max_score, counted)


def sheet_view(svc: Service, who: Principal, info: SheetInfo) -> SheetView:
    history = api.history(info.id, who, svc)
    with reading(svc.factory) as session:
        manual = overrides(session, info.id, history.student)
        rows = {r.id: r for r in api.rows_of(session, history.student, info.id)}
        attempts = [_attempt(svc, s, rows[s.id], manual, info.visibility_now in _SCORED,
                             s.id == history.counted) for s in reversed(history.submissions)]
    return SheetView(info, left(info.deadline, now()), attempts)


def _sheet_info(who: Principal, svc: Service, sheet_id: str) -> SheetInfo:
    found = [s for s in api.me(who, svc).sheets if s.id == sheet_id]
    if not found:
        raise PageError(404, f"no sheet {sheet_id!r} in this course")
    return found[0]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Viewer, svc: Svc) -> Response:
    if who.role == "ta":
        return RedirectResponse("/ta", status_code=303)
    views = [sheet_view(svc, who, info) for info in api.me(who, svc).sheets]
    return render(request, "sheets.html.j2", course=svc.course.spec.title, views=views)


def sheet_page(request: Request, who: Principal, svc: Service, sheet_id: str, error: str = "",
               status: int = 200) -> Response:
    view = sheet_view(svc, who, _sheet_info(who, svc, sheet_id))
    return render(request, "sheet.html.j2", status=status, view=view, error=error, csrf=who.csrf_token or "",
                  accept=",".join(KINDS))


@router.get("/sheets/{sheet_id}", response_class=HTMLResponse)
def sheet(sheet_id: str, request: Request, who: StudentPage, svc: Svc) -> Response:
    return sheet_page(request, who, svc, sheet_id)


@router.post("/sheets/{sheet_id}/upload", response_class=HTMLResponse)
async def upload(sheet_id: str, request: Request, who: StudentPage, svc: Svc,
                 csrf: Annotated[str, Query()] = "") -> Response:
    """The form's upload without JavaScript; the token is in the address because the body streams
    straight to the store (the script posts to the API with the X-CSRF-Token header instead)."""
    require_csrf(who, csrf)
    try:
        info = await submit.submit(sheet_id, request, who, svc)
    except HTTPException as exc:
        return await run_in_threadpool(sheet_page, request, who, svc, sheet_id, str(exc.detail),
                                       exc.status_code)
    return RedirectResponse(f"/submissions/{info.id}", status_code=303)


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def attempt(submission_id: RowId, request: Request, who: Viewer, svc: Svc) -> Response:
    with as_page():
        info = api.status(submission_id, who, svc)
        feedback = api.report(submission_id, who, svc) if info.status == "done" else None
    full = feedback.feedback.report if feedback else None
    return render(request, "attempt.html.j2", info=info, feedback=feedback,
                  full=feedback_main(full) if full else None,
                  title=svc.course.sheets[info.sheet][1].spec.title)


@router.post("/logout")
def logout(who: Viewer, csrf: Annotated[str, Form()]) -> Response:
    """Sign out: the session cookie is dropped (the link still works; a TA revokes links)."""
    require_csrf(who, csrf)
    response = RedirectResponse("/signed-out", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/signed-out", response_class=HTMLResponse)
def signed_out(request: Request) -> Response:
    return render(request, "error.html.j2", status=200, status_code=200,
                  message="You are signed out. Open your personal link to sign in again.")
