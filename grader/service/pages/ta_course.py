"""TAs' course pages: the queue and its failures, a sheet's summary, regrades, the roster's links.

Each calls the TA API's functions (``ta_api.queue``, ``ta_api.export``, ``ta_api.regrade``,
``ta_api.regrade_status``) or the roster's (``roster.revoke``, ``roster.issue``), as
``grader roster token`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from grader.service import roster, ta_api
from grader.service.db import Student, SubmissionRow, Token, reading, transaction
from grader.service.library import ScoreReport
from grader.service.models import RowId
from grader.service.pages.web import Svc, TAPage, as_page, main_of, render, require_csrf
from grader.service.state import Service

router = APIRouter(prefix="/ta", include_in_schema=False)
_FAILURES_SHOWN = 50


@dataclass(frozen=True)
class Failure:
    submission: int
    student: str
    sheet: str
    status: str
    reason: str


def failures(svc: Service) -> list[Failure]:
    """The latest graded submissions that did not run to the end, or that the grader could not grade."""
    found = []
    with reading(svc.factory) as session:
        rows = session.scalars(select(SubmissionRow).where(SubmissionRow.report_json.is_not(None))
                               .order_by(SubmissionRow.id.desc()).limit(20 * _FAILURES_SHOWN))
        for row in rows:
            run = ScoreReport.model_validate_json(row.report_json or "").run
            if run.status != "completed" or run.grader_error:
                reason = run.grader_error or run.message or run.status
                found.append(Failure(row.id, row.student_id, row.sheet_id, run.status, reason))
    return found[:_FAILURES_SHOWN]


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, who: TAPage, svc: Svc) -> Response:
    jobs = ta_api.queue(who, svc)
    return render(request, "ta_queue.html.j2", running=[j for j in jobs if j.state == "running"],
                  waiting=[j for j in jobs if j.state == "queued"], failures=failures(svc))


@router.get("/sheets/{sheet_id}/summary", response_class=HTMLResponse)
def summary(sheet_id: str, request: Request, who: TAPage, svc: Svc) -> Response:
    with as_page():
        html = bytes(ta_api.export(sheet_id, "summary.html", who, svc).body).decode()
    return render(request, "ta_summary.html.j2", sheet=sheet_id, summary=main_of(html),
                  csrf=who.csrf_token or "")


@router.post("/sheets/{sheet_id}/regrade")
def regrade(sheet_id: str, who: TAPage, svc: Svc, csrf: Annotated[str, Form()]) -> Response:
    require_csrf(who, csrf)
    with as_page():
        started = ta_api.regrade(sheet_id, who, svc)
    return RedirectResponse(f"/ta/regrades/{started.id}", status_code=303)


@router.get("/regrades/{regrade_id}", response_class=HTMLResponse)
def regrade_result(regrade_id: RowId, request: Request, who: TAPage, svc: Svc) -> Response:
    with as_page():
        result = ta_api.regrade_status(regrade_id, who, svc)
    return render(request, "ta_regrade.html.j2", result=result)


def roster_page(request: Request, who: TAPage, svc: Service, notice: str = "", link: str = "") -> Response:
    with reading(svc.factory) as session:
        active = {sid: int(n) for sid, n in session.execute(select(Token.student_id, func.count()).where(
            Token.student_id.is_not(None), Token.revoked_at.is_(None)).group_by(Token.student_id))}
        students = [(s, active.get(s.id, 0)) for s in session.scalars(select(Student).order_by(Student.id))]
    return render(request, "ta_roster.html.j2", students=students, notice=notice, link=link,
                  csrf=who.csrf_token or "")


@router.get("/roster", response_class=HTMLResponse)
def roster_list(request: Request, who: TAPage, svc: Svc) -> Response:
    return roster_page(request, who, svc)


@router.post("/roster/{student_id}", response_class=HTMLResponse)
def roster_change(student_id: str, request: Request, who: TAPage, svc: Svc, csrf: Annotated[str, Form()],
                  action: Annotated[str, Form(pattern="^(revoke|reissue)$")]) -> Response:
    """Revoke a student's link (their sessions end too), or reissue it: the new link is shown once."""
    require_csrf(who, csrf)
    with transaction(svc.factory) as session:
        student = session.get(Student, student_id)
        if student is None:
            return roster_page(request, who, svc, notice=f"no student {student_id!r}")
        revoked = roster.revoke(session, student_id)
        secret = roster.issue(session, "student", student.name, student_id) if action == "reissue" else ""
    new = roster.link(str(request.base_url), secret) if secret else ""
    notice = f"{revoked} link(s) of {student_id} revoked" + ("; the new link:" if new else ".")
    return roster_page(request, who, svc, notice=notice, link=new)
