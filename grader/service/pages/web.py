"""What every page shares: the templates, the security headers, who is asking, the CSRF check.

Student text (names, file names, report contents) reaches the templates as plain strings and is
escaped by Jinja2's autoescape; the only Markup is the HTML that grader's own writers rendered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cache
from typing import Annotated, Any

import jinja2
from fastapi import Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from grader.service.auth import Principal, csrf_ok, identify
from grader.service.library import MARKS, ScoreReport, feedback_html, pts
from grader.service.state import Service, service

Svc = Annotated[Service, Depends(service)]
_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# API answers are data or downloads (the summary export keeps its inline style): never scripts
_API_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
_DOCS = ("/docs", "/redoc")  # the OpenAPI pages load their own scripts


class PageError(Exception):
    """Shown as an HTML page with the status and the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def when(at: datetime | None) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if at else "—"


def left(deadline: datetime | None, now: datetime) -> str:
    """Time left before ``deadline`` in words ("3 d 4 h left", "closed")."""
    if deadline is None:
        return "no deadline"
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "past"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days} d {hours} h left" if days else f"{hours} h {rest // 60} min left"


def points(score: float | None, max_score: float | None = None) -> str:
    if score is None:
        return "—"
    return pts(score) + (f" / {pts(max_score)}" if max_score is not None else "")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.service", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, points=points)
    env.globals.update(marks=MARKS)
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    who = getattr(request.state, "who", None)  # set by ``viewer``; unset on a sign-in error
    html = _environment().get_template(template).render(who=who, **context)
    return HTMLResponse(html, status_code=status)


def main_of(html: str) -> Markup:
    """The ``<main>`` of a page grader's writers rendered (feedback.html, summary.html). Their
    student text is escaped, so no ``<main>`` tag can come from it; their inline style would break
    the CSP, so the service's stylesheet styles the same classes."""
    start, end = html.index("<main>") + len("<main>"), html.rindex("</main>")
    return Markup(html[start:end])


def feedback_main(report: ScoreReport) -> Markup:
    return main_of(feedback_html(report))


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    path = request.url.path
    if not path.startswith(_DOCS):
        api = path.startswith("/api/") or path in ("/metrics", "/healthz", "/openapi.json")
        response.headers["Content-Security-Policy"] = _API_CSP if api else _PAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"  # a login address holds a token
    if not path.startswith("/static/"):  # answers hold reports, CSRF tokens, reissued links
        response.headers["Cache-Control"] = "no-store"
    return response


async def error_page(request: Request, exc: Exception) -> Response:
    status = exc.status if isinstance(exc, PageError) else 500
    return render(request, "error.html.j2", status=status, status_code=status, message=str(exc))


@contextmanager
def as_page() -> Iterator[None]:
    """The API's refusals (404, 409, …), shown as pages."""
    try:
        yield
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None


def viewer(request: Request, svc: Svc) -> Principal:
    with as_page():
        who = identify(request, svc)
    request.state.who = who
    return who


def student_only(who: Annotated[Principal, Depends(viewer)]) -> Principal:
    if who.role != "student":
        raise PageError(403, "this page is for students; TAs: see the class table")
    return who


def ta_only(who: Annotated[Principal, Depends(viewer)]) -> Principal:
    if who.role != "ta":
        raise PageError(403, "this page is for TAs")
    return who


def require_csrf(who: Principal, sent: str) -> None:
    if not csrf_ok(who, sent):
        raise PageError(403, "this form is stale or was not sent by this site: reload the page and "
                             "send it again")


Viewer = Annotated[Principal, Depends(viewer)]
StudentPage = Annotated[Principal, Depends(student_only)]
TAPage = Annotated[Principal, Depends(ta_only)]
