"""TAs' grade-by-question pages: a sheet's manual points, then every counted submission's located
answer to one point beside its rubric, with score and comment boxes.

The answers, grouping and form rows are the review pages' (``grader review``,
:mod:`grader.report.review`); a save goes through the TA API's store (``ta_api.store_points``:
``apply-overrides``' validation), so the students see the points on their next page view.
Anonymous (``?anonymous=true``): pseudonyms in the page and its form (mapped back here), and no
link to a submission's page (it names the student). A save is checked against the scores read
at that moment, one save at a time in this process: a student whose score changed since the page
showed it, or who handed in another answer since (the form records each answer's digest), is not
saved (:mod:`grader.report.review.form`). An answer changed since its score was
given is flagged, its old score offered in the boxes (not applied: :mod:`grader.service.manual`).
"""

from __future__ import annotations

import hashlib
import threading
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.service import ta_api
from grader.service.auth import Principal
from grader.service.db import reading, transaction
from grader.service.grades import standings
from grader.service.library import (
    PointView,
    Saving,
    SheetError,
    form_rows,
    located_html,
    overrides_text,
    posted,
    pseudonym,
    refusal,
    views_of,
)
from grader.service.manual import earlier_of
from grader.service.pages.web import PageError, Svc, TAPage, render, require_csrf
from grader.service.state import Service

router = APIRouter(prefix="/ta/sheets/{sheet_id}/review", include_in_schema=False)
_MAX_FIELDS = 30_000  # four per group of answers: a class of thousands fits
_SAVING = threading.Lock()  # a save's check and store, whole: two saves never interleave


def _views(svc: Service, sheet_id: str, anonymous: bool) -> list[PointView]:
    offered = svc.course.offer(sheet_id)
    if offered is None:
        raise PageError(404, f"no sheet {sheet_id!r} in this course")
    offer, sheet = offered
    with reading(svc.factory) as session:
        table = [s for s in standings(session, offer, sheet_id) if s.report is not None and s.counted]
    key = hashlib.sha256(b"grader-review-pseudonyms" + svc.secret).digest()
    names = {s.student.id: pseudonym(key, s.student.id) if anonymous else f"{s.student.id} ({s.student.name})"
             for s in table}
    links = {s.student.id: f"/submissions/{s.counted.id}" for s in table if s.counted and not anonymous}
    earlier = earlier_of([o for s in table for o in s.changed], named=not anonymous)
    return views_of(sheet, {s.student.id: s.report for s in table if s.report}, names, links.get,
                    hidden=anonymous, earlier=earlier)


def _view(svc: Service, sheet_id: str, slug: str, anonymous: bool) -> PointView:
    found = next((v for v in _views(svc, sheet_id, anonymous) if v.point.slug == slug), None)
    if found is None:
        raise PageError(404, f"no manual point {slug!r} in {sheet_id}")
    return found


@router.get("", response_class=HTMLResponse)
def points(sheet_id: str, request: Request, _: TAPage, svc: Svc,
           anonymous: Annotated[bool, Query()] = False) -> Response:
    return render(request, "ta_review_points.html.j2", sheet=sheet_id, views=_views(svc, sheet_id, anonymous),
                  anonymous=anonymous)


@router.get("/{slug}", response_class=HTMLResponse)
def point(sheet_id: str, slug: str, request: Request, who: TAPage, svc: Svc,
          anonymous: Annotated[bool, Query()] = False,
          saved: Annotated[int | None, Query()] = None) -> Response:
    view = _view(svc, sheet_id, slug, anonymous)
    return _page(request, who, sheet_id, view, anonymous, saved=saved)


def _page(request: Request, who: Principal, sheet_id: str, view: PointView, anonymous: bool,
          saved: int | None = None, error: str = "", status: int = 200) -> Response:
    return render(request, "ta_review.html.j2", status=status, sheet=sheet_id, v=view,
                  p=view.point, csrf=who.csrf_token or "", saved=saved, error=error, anonymous=anonymous,
                  located_html=located_html)


def _store(svc: Service, sheet_id: str, rows: list[list[str]]) -> int:
    offered = svc.course.offer(sheet_id)
    assert offered is not None  # _view found the sheet
    with transaction(svc.factory) as session:
        return ta_api.store_points(session, *offered, overrides_text(rows))


def _save(svc: Service, sheet_id: str, slug: str, anonymous: bool, form: dict[str, str]) -> Saving:
    """The form's rows checked against the scores as they are now, and stored (SheetError: none)."""
    with _SAVING:
        saving = form_rows(_view(svc, sheet_id, slug, anonymous), form)
        _store(svc, sheet_id, saving.rows)
    return saving


@router.post("/{slug}", response_class=HTMLResponse)
async def save(sheet_id: str, slug: str, request: Request, who: TAPage, svc: Svc,
               anonymous: Annotated[bool, Query()] = False) -> Response:
    async with request.form(max_files=0, max_fields=_MAX_FIELDS) as data:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
    require_csrf(who, form.get("csrf", ""))
    try:
        saving = await run_in_threadpool(_save, svc, sheet_id, slug, anonymous, form)
    except SheetError as exc:  # nothing was stored: the page as it is, with what was typed
        view = await run_in_threadpool(_view, svc, sheet_id, slug, anonymous)
        return _page(request, who, sheet_id, posted(view, form), anonymous, error=str(exc), status=422)
    if saving.conflicts:  # the page as it is now, the newer scores in its boxes
        now = await run_in_threadpool(_view, svc, sheet_id, slug, anonymous)
        return _page(request, who, sheet_id, now, anonymous, saved=len(saving.rows) or None,
                     error=refusal(saving), status=409)
    query = "?anonymous=true&" if anonymous else "?"
    return RedirectResponse(f"/ta/sheets/{sheet_id}/review/{slug}{query}saved={len(saving.rows)}",
                            status_code=303)
