"""TAs' endpoints: the class table, the queue, manual points, regrades, exports, raw reports."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, UploadFile
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.service.auth import TA
from grader.service.course import Offer
from grader.service.db import JobRow, Regrade, Student, SubmissionRow, reading, transaction
from grader.service.grades import (
    counted_of,
    export_reports,
    manual_by_student,
    score_of,
    standings,
    submissions_of,
)
from grader.service.library import (
    BATCH_WRITERS,
    OVERRIDES_CSV,
    Batch,
    Sheet,
    SheetError,
    decoded_overrides,
    overrides_of_text,
)
from grader.service.manual import Key, check_answers, stamped, upsert
from grader.service.models import Applied, ClassRow, QueueEntry, RegradeStarted, RowId
from grader.service.regrade import RegradeResult, regrade_result, start_regrade
from grader.service.state import Service, service
from grader.service.upload import FORM_LIMIT

router = APIRouter(prefix="/api/ta")
_MAX_CSV = FORM_LIMIT  # the app refuses a larger form first; this guards a direct call
Svc = Annotated[Service, Depends(service)]
_MEDIA = {".csv": "text/csv; charset=utf-8", ".html": "text/html; charset=utf-8",
          ".json": "application/json"}


def _offered(svc: Service, sheet_id: str) -> tuple[Offer, Sheet]:
    offered = svc.course.offer(sheet_id)
    if offered is None:
        raise HTTPException(404, f"no sheet {sheet_id!r} in this course")
    return offered


@router.get("/sheets/{sheet_id}/class", response_model=list[ClassRow])
def class_table(sheet_id: str, _: TA, svc: Svc) -> list[ClassRow]:
    offer, _sheet = _offered(svc, sheet_id)
    with reading(svc.factory) as session:
        return [ClassRow(student=s.student.id, name=s.student.name, submissions=len(s.submissions),
                         counted=s.counted.id if s.counted else None, score=score_of(offer, s),
                         max_score=s.report.max_score if s.report else None,
                         pending_points=s.report.pending_points if s.report else None, late=s.late,
                         run_status=s.report.run.status if s.report else None)
                for s in standings(session, offer, sheet_id)]


@router.get("/queue", response_model=list[QueueEntry])
def queue(_: TA, svc: Svc) -> list[QueueEntry]:
    with reading(svc.factory) as session:
        pending = session.execute(select(JobRow, SubmissionRow).join(SubmissionRow)
                                  .where(JobRow.state != "done").order_by(JobRow.id))
        return [QueueEntry(job=j.id, submission=s.id, sheet=s.sheet_id, student=s.student_id, state=j.state,
                           runs=j.runs, regrade=j.regrade_id, created_at=j.created_at) for j, s in pending]


def store_points(session: Session, offer: Offer, sheet: Sheet, text: str,
                 shown: Mapping[Key, str] | None = None) -> int:
    """The rows of the overrides CSV ``text``, checked as ``grader apply-overrides`` checks the
    file, then stored (SheetError: none stored), each with the answer it scores: the one the row
    records (its ``answer`` column: what the TA read, flagged and not applied when the student
    changed it since), else the student's counted submission's answer to the point (a score
    applies to that answer only).
    ``shown``: the digests of the answers the TA read; a row for another answer is refused
    (AnswerChanged: none stored)."""
    table = submissions_of(session, sheet.id)
    graded = sorted(s for s, rows in table.items() if any(r.report_json is not None for r in rows))
    rows = overrides_of_text(sheet, text, OVERRIDES_CSV, graded)
    manual = manual_by_student(session, sheet.id)
    scored = {s: counted_of(offer, table[s], manual[s]) for s in {o.student for o in rows}}
    found = stamped(sheet.id, rows, table, scored)
    check_answers(found, shown or {})
    upsert(session, found)
    return len(rows)


@router.post("/sheets/{sheet_id}/manual-points", response_model=Applied)
def manual_points(sheet_id: str, file: UploadFile, _: TA, svc: Svc) -> Applied:
    """The overrides CSV of ``grader review`` (student, task, point, max_points, points, comment,
    answer; a file without ``answer`` scores the answers counted now), checked as ``grader
    apply-overrides`` checks it: every bad line named, nothing applied then."""
    offer, sheet = _offered(svc, sheet_id)
    data = file.file.read(_MAX_CSV + 1)
    if len(data) > _MAX_CSV:  # cut short, it would apply some rows and silently drop the rest
        raise HTTPException(413, f"an overrides CSV is at most {_MAX_CSV // 2**20} MiB")
    try:
        text = decoded_overrides(data, OVERRIDES_CSV)
        with transaction(svc.factory) as session:
            return Applied(sheet=sheet_id, points=store_points(session, offer, sheet, text))
    except SheetError as exc:
        raise HTTPException(422, str(exc)) from None


@router.post("/sheets/{sheet_id}/regrade", status_code=202, response_model=RegradeStarted)
def regrade(sheet_id: str, _: TA, svc: Svc) -> RegradeStarted:
    offer, _sheet = _offered(svc, sheet_id)
    try:
        svc.sheets.get(sheet_id, recheck=True)
    except SheetError as exc:
        raise HTTPException(409, str(exc)) from None
    with transaction(svc.factory) as session:
        regrade_id = start_regrade(session, offer, sheet_id)
        queued = len(list(session.scalars(select(JobRow.id).where(JobRow.regrade_id == regrade_id))))
    svc.pool.wake()
    return RegradeStarted(id=regrade_id, jobs=queued, result_url=f"/api/ta/regrades/{regrade_id}")


@router.get("/regrades/{regrade_id}", response_model=RegradeResult)
def regrade_status(regrade_id: RowId, _: TA, svc: Svc) -> RegradeResult:
    with reading(svc.factory) as session:
        found = session.get(Regrade, regrade_id)
        if found is None:
            raise HTTPException(404, f"no regrade {regrade_id}")
        return regrade_result(session, _offered(svc, found.sheet_id)[0], found)


@router.get("/sheets/{sheet_id}/exports/{name}")
def export(sheet_id: str, name: str, _: TA, svc: Svc) -> Response:
    """gradebook.csv, lms.csv, summary.json or summary.html of the counted submissions."""
    if name not in BATCH_WRITERS:
        raise HTTPException(404, f"exports are {sorted(BATCH_WRITERS)}")
    offer, sheet = _offered(svc, sheet_id)
    with reading(svc.factory) as session:
        reports = export_reports(offer, standings(session, offer, sheet_id))
        names = {s.id: s.name for s in session.scalars(select(Student))}
    rendered = BATCH_WRITERS[name](Batch(sheet, reports, names=names))
    return Response(rendered, media_type=_MEDIA[Path(name).suffix])


@router.get("/submissions/{submission_id}/report.json", response_class=PlainTextResponse)
def raw_report(submission_id: RowId, _: TA, svc: Svc) -> Response:
    """The stored report.json, byte for byte what ``grader grade`` writes for the same file."""
    with reading(svc.factory) as session:
        row = session.get(SubmissionRow, submission_id)
        if row is None or row.report_json is None:
            raise HTTPException(404, f"no graded submission {submission_id}")
        return Response(row.report_json, media_type="application/json")
