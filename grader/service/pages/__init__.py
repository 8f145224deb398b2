"""The service's pages: server-rendered HTML over the same calls as the API, for students and TAs.

No JavaScript framework and no external assets; every page works without JavaScript (one small
static script makes an attempt's status live and uploads without leaving the page).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from grader.service.pages import student, ta, ta_course, ta_review
from grader.service.pages.web import PageError, error_page, security_headers


def install(app: FastAPI) -> None:
    app.include_router(student.router)
    app.include_router(ta.router)
    app.include_router(ta_course.router)
    app.include_router(ta_review.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent.parent / "static"), name="static")
    app.add_exception_handler(PageError, error_page)
    app.middleware("http")(security_headers)
