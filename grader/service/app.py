"""The FastAPI application: routers, the request log, /healthz, /metrics, and the lifespan that
starts the workers (after sweeping what a crash left) and drains them on shutdown (SIGTERM)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from grader.service import api, pages, submit, ta_api
from grader.service.auth import TA
from grader.service.logs import log, setup
from grader.service.state import Service, healthy, service, start

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
    app.get("/healthz", tags=["operations"])(_healthz)
    app.get("/metrics", tags=["operations"], response_class=Response)(_metrics)
    return app


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
