"""The FastAPI application: routers, the request log, /healthz, /metrics, and the lifespan that
starts the workers (after sweeping what a crash left) and drains them on shutdown (SIGTERM)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from grader.service import api, pages, submit, ta_api
from grader.service.auth import TA
from grader.service.logs import log, setup
from grader.service.state import Service, healthy, service, start
from grader.service.upload import FORM_LIMIT

Svc = Annotated[Service, Depends(service)]


def create_app(svc: Service, *, secure_cookies: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        requeued = await run_in_threadpool(start, svc)
        log("service started", course=svc.course.spec.title, requeued=requeued, workers=svc.pool.size)
        yield
        await run_in_threadpool(svc.pool.stop)
        log("service stopped: workers drained")

    setup()
    app = FastAPI(title=f"grader: {svc.course.spec.title}", lifespan=lifespan,
                  description="Submit exercise sheets and get feedback; TAs: class table, manual "
                              "points, regrades, exports.")
    app.state.service = svc
    app.state.secure_cookies = secure_cookies  # behind HTTPS: the session cookie is Secure
    app.include_router(api.router)
    app.include_router(submit.router)
    app.include_router(ta_api.router)
    pages.install(app)
    app.middleware("http")(_request_log)
    app.add_middleware(FormLimit)
    app.get("/healthz", tags=["operations"])(_healthz)
    app.get("/metrics", tags=["operations"], response_class=Response)(_metrics)
    return app


class FormLimit:
    """Outside the two upload routes (which stream and cap a file themselves) a request's body is a
    small form: one without a Content-Length, or larger than ``LIMIT``, is refused before it is
    read. FastAPI parses a form before the token is checked, so an anonymous 30 MB form would
    otherwise be spooled to disk first."""

    LIMIT = FORM_LIMIT
    UPLOADS = re.compile(r"^/(api/)?sheets/[^/]+/(submissions|upload)$")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH") \
                and not self.UPLOADS.match(scope["path"]):
            length = dict(scope["headers"]).get(b"content-length", b"")
            if not length.isdigit() or int(length) > self.LIMIT:
                status, why = ((411, "send a Content-Length") if not length.isdigit()
                               else (413, f"a form here is at most {self.LIMIT} bytes"))
                await JSONResponse({"detail": why}, status_code=status)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _request_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    started = time.monotonic()
    response = await call_next(request)
    # the path only: a personal link's token is in the query string and must not reach the logs
    log("request", method=request.method, path=request.url.path, status=response.status_code,
        ms=round((time.monotonic() - started) * 1000, 1))
    return response


def _healthz(svc: Svc) -> dict[str, str]:
    """Unauthenticated on purpose (load balancers); says nothing but whether the database answers."""
    if not healthy(svc):
        raise HTTPException(503, "the database does not answer")
    return {"status": "ok"}


def _metrics(_: TA, svc: Svc) -> Response:
    return Response(svc.metrics.text(), media_type="text/plain; version=0.0.4")
