"""TAs' pages: the class table (students × sheets) and one student, with manual points.

The table reads ``grades.standings`` as the API's class table and exports do; manual points go
through the TA API's own check and store (``apply-overrides``' validation), so the student sees
them on their next page view. A score of an answer changed since is flagged and offered again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.frozen import Frozen
from grader.service import api, ta_api
from grader.service.auth import Principal
from grader.service.db import Student, SubmissionRow, reading, transaction
from grader.service.grades import graded, overrides, score_of, standings
from grader.service.library import CheckResult, Earlier, SheetError, answer_digest, overrides_text
from grader.service.manual import AnswerChanged, earlier_of
from grader.service.pages.web import PageError, Svc, TAPage, render, require_csrf
from grader.service.state import Service

router = APIRouter(prefix="/ta", include_in_schema=False)


@dataclass(frozen=True)
class Cell:
    score: float | None
    max_score: float | None
    attempts: int
    last: datetime | None
    late: bool
    counted: int | None


@dataclass(frozen=True)
class ClassLine:
    id: str
    name: str
    cells: dict[str, Cell]


def class_lines(svc: Service) -> list[ClassLine]:
    lines: dict[str, ClassLine] = {}
    with reading(svc.factory) as session:
        for sheet_id, (offer, _sheet) in svc.course.sheets.items():
            for s in standings(session, offer, sheet_id):
                line = lines.setdefault(s.student.id, ClassLine(s.student.id, s.student.name, {}))
                line.cells[sheet_id] = Cell(
                    score_of(offer, s), s.report.max_score if s.report else None, len(s.submissions),
                    s.submissions[-1].created_at if s.submissions else None, s.late,
                    s.counted.id if s.counted else None)
    return list(lines.values())


def sorted_lines(lines: list[ClassLine], key: str, descending: bool) -> list[ClassLine]:
    """By id, name, or a sheet's score (students without one last either way)."""
    if key in ("id", "name"):
        return sorted(lines, key=lambda line: getattr(line, key).casefold(), reverse=descending)
    scored = [line for line in lines if line.cells[key].score is not None]
    rest = [line for line in lines if line.cells[key].score is None]
    return sorted(scored, key=lambda line: line.cells[key].score or 0.0, reverse=descending) + rest


@router.get("", response_class=HTMLResponse)
def class_table(request: Request, _: TAPage, svc: Svc, sort: Annotated[str, Query()] = "id",
                order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc") -> Response:
    if sort not in ("id", "name", *svc.course.sheets):
        raise PageError(404, f"cannot sort by {sort!r}")
    lines = sorted_lines(class_lines(svc), sort, order == "desc")
    sheets = {sid: sheet.spec.title for sid, (_offer, sheet) in svc.course.sheets.items()}
    return render(request, "ta_class.html.j2", course=svc.course.spec.title, sheets=sheets, lines=lines,
                  sort=sort, order=order)


@dataclass(frozen=True)
class Manual:
    task: str
    check: CheckResult
    earlier: Earlier | None  # the score of the student's answer before it changed: offered, not applied

    @property
    def digest(self) -> str:
        """The answer's digest, which the form sends back: a save for another answer is refused."""
        return answer_digest(self.check.located)


def _manual_points(svc: Service, sheet_id: str, student_id: str, counted: int | None) -> list[Manual]:
    with reading(svc.factory) as session:
        row = session.get(SubmissionRow, counted) if counted else None
        report, changed = graded(row, overrides(session, sheet_id, student_id)) if row else (None, [])
    if report is None:
        return []
    earlier = earlier_of(changed)
    return [Manual(t.id, c, earlier.get((student_id, t.id, c.answer))) for t in report.tasks for c in t.checks
            if c.kind == "manual"]


def student_page(request: Request, who: Principal, svc: Service, student_id: str, error: str = "",
                 status: int = 200, saved: bool = False) -> Response:
    with reading(svc.factory) as session:
        student = session.get(Student, student_id)
        name = student.name if student else None
    if name is None:
        raise PageError(404, f"no student {student_id!r} in the roster")
    sheets = []
    for sheet_id, (_offer, sheet) in svc.course.sheets.items():
        history = api.history(sheet_id, who, svc, student=student_id)
        sheets.append((sheet_id, sheet.spec.title, history,
                       _manual_points(svc, sheet_id, student_id, history.counted)))
    return render(request, "ta_student.html.j2", status=status, student_id=student_id, name=name,
                  sheets=sheets, error=error, saved=saved, csrf=who.csrf_token or "")


@router.get("/students/{student_id}", response_class=HTMLResponse)
def student(student_id: str, request: Request, who: TAPage, svc: Svc,
            saved: Annotated[bool, Query()] = False) -> Response:
    return student_page(request, who, svc, student_id, saved=saved)


class PointForm(Frozen):
    """One manual point as the form sends it: one line of the overrides CSV."""

    sheet: str
    task: str
    point: str
    max_points: str
    points: str
    comment: str = ""
    answer: str | None = None  # the digest of the answer the page showed (a page without it: unchecked)
    csrf: str


def store_point(svc: Service, student_id: str, form: PointForm) -> int:
    """Through the TA API's store: the same validation as ``grader apply-overrides``."""
    offered = svc.course.offer(form.sheet)
    if offered is None:
        raise PageError(404, f"no sheet {form.sheet!r} in this course")
    row = [student_id, form.task, form.point, form.max_points, form.points, form.comment]
    shown = {(student_id, form.task, form.point): form.answer} if form.answer is not None else {}
    with transaction(svc.factory) as session:
        return ta_api.store_points(session, *offered, overrides_text([row]), shown)


@router.post("/students/{student_id}/points", response_class=HTMLResponse)
def manual_point(student_id: str, request: Request, who: TAPage, svc: Svc,
                 form: Annotated[PointForm, Form()]) -> Response:
    require_csrf(who, form.csrf)
    try:
        store_point(svc, student_id, form)
    except AnswerChanged as exc:  # the page as it is now, the new answer's point to score
        return student_page(request, who, svc, student_id, error=str(exc), status=409)
    except SheetError as exc:
        return student_page(request, who, svc, student_id, error=str(exc), status=422)
    return RedirectResponse(f"/ta/students/{student_id}?saved=true#sheet-{form.sheet}", status_code=303)
