"""The submit endpoint: refuse early what the rules refuse, stream the file to disk, make it
durable, and commit its row and job before the 202 reply. Nothing refused is kept."""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.service import jobs
from grader.service.api import submission_info
from grader.service.auth import StudentOnly
from grader.service.course import Offer
from grader.service.db import Student, SubmissionRow, now, transaction
from grader.service.library import one_line
from grader.service.logs import log
from grader.service.models import SubmissionInfo
from grader.service.policy import Refused, admit
from grader.service.state import Service, service
from grader.service.storage import Stored
from grader.service.upload import UploadRefused, check_content, receive

router = APIRouter()
Svc = Annotated[Service, Depends(service)]


def _admit(session: Session, offer: Offer, sheet_id: str, student_id: str, at: datetime) -> float:
    session.get(Student, student_id, with_for_update=True)  # one submission per student at a time
    earlier = list(session.scalars(select(SubmissionRow.created_at).where(
        SubmissionRow.student_id == student_id, SubmissionRow.sheet_id == sheet_id)))
    return admit(offer, sheet_id, at, earlier)


def _check_rules(svc: Service, offer: Offer, sheet_id: str, student_id: str) -> None:
    with transaction(svc.factory) as session:
        _admit(session, offer, sheet_id, student_id, now())


def _record(svc: Service, offer: Offer, sheet_id: str, student_id: str, filename: str,
            stored: Stored) -> SubmissionInfo:
    with transaction(svc.factory) as session:
        at = now()
        late = _admit(session, offer, sheet_id, student_id, at)
        row = SubmissionRow(student_id=student_id, sheet_id=sheet_id, filename=filename, sha256=stored.sha256,
                            size=stored.size, created_at=at, late_seconds=late, status="queued")
        session.add(row)
        session.flush()
        jobs.enqueue(session, row.id)
        session.flush()
        return submission_info(session, row)


async def _store(svc: Service, request: Request, max_unpacked: int) -> tuple[Stored, str]:
    headers = request.headers
    tmp, filename = await receive(headers.get("content-type", ""), headers.get("content-length"),
                                  request.stream(), svc.store, svc.course.max_upload_bytes)
    try:
        await run_in_threadpool(check_content, tmp, filename, max_unpacked)
        return await run_in_threadpool(svc.store.keep, tmp), filename
    finally:
        Path(tmp).unlink(missing_ok=True)


@router.post("/api/sheets/{sheet_id}/submissions", status_code=202, response_model=SubmissionInfo,
             responses={413: {"description": "too large"},
                        415: {"description": "not a notebook, script or zip"},
                        429: {"description": "attempts used up (Retry-After when waiting helps)"}})
async def submit(sheet_id: str, request: Request, who: StudentOnly, svc: Svc) -> SubmissionInfo:
    """Upload a .ipynb, .py or .zip as multipart/form-data (field ``file``); 202 once it is stored."""
    offered = svc.course.offer(sheet_id)
    if offered is None:
        raise HTTPException(404, f"no sheet {sheet_id!r} in this course")
    offer, sheet = offered
    student_id = str(who.student_id)
    try:
        await run_in_threadpool(_check_rules, svc, offer, sheet_id, student_id)
        stored, filename = await _store(svc, request, sheet.spec.limits.max_unpacked_mib * 2**20)
        info = await run_in_threadpool(_record, svc, offer, sheet_id, student_id,
                                       one_line(filename)[:300] or "(no name)", stored)
    except Refused as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        raise HTTPException(exc.status, str(exc), headers=headers) from None
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise
        log("upload not stored", error=str(exc), student=student_id)
        raise HTTPException(507, "the server cannot store your file right now (its disk is full or "
                                 "read-only); nothing was kept: try again later") from None
    svc.pool.wake()
    svc.metrics.accepted.inc()
    log("submission accepted", submission=info.id, sheet=sheet_id, student=student_id, size=info.size)
    return info
