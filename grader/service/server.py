"""``grader serve``: the course's service on uvicorn, with the sandbox the CLI grades in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import uvicorn

from grader.service.app import create_app
from grader.service.dispatch import dispatch
from grader.service.library import Diagnosis, Runner, Sheet, choose_runner, diagnose
from grader.service.single import only_server
from grader.service.state import Service, open_service
from grader.service.worker import RunnerFactory


def runner_factory(unsafe: bool, state: Path | None = None) -> RunnerFactory:
    """The bubblewrap runner (the machine probed once, on first use) unless ``unsafe``; it hides
    the sheet, its reference and the service's state from student code."""
    probed: list[Diagnosis] = []

    def runner_for(sheet: Sheet) -> Runner:
        if not probed:
            probed.append(diagnose())
        private = (sheet.folder, sheet.reference_dir, *([state] if state else []))
        return choose_runner(sheet.spec.limits, allow_unsandboxed=unsafe, private=private,
                             diagnosis=probed[0])
    return runner_for


def open_checked(course: Path, *, db: str | None, state: Path | None, workers: int,
                 unsafe: bool, scheduler: str | None = None) -> Service:
    """The service, refused now if a sheet could not be graded on this machine; with a
    ``scheduler`` (``tcp://HOST:PORT`` or ``local:N``) its workers grade on that Dask cluster."""
    folder = (state or course / "state").resolve()
    runner_for = runner_factory(unsafe, folder)
    svc = open_service(course, runner_for, db=db, state=state, workers=workers)
    for _offer, sheet in svc.course.sheets.values():
        runner_for(sheet).close()
    if scheduler is not None:
        svc.pool.grading = replace(svc.pool.grading, dispatch=dispatch(scheduler))
    return svc


def serve(svc: Service, host: str, port: int, *, secure_cookies: bool = False) -> None:
    """Until SIGINT or SIGTERM; then uvicorn stops accepting, and the lifespan drains the workers.
    CourseError, before anything is swept or re-queued, if another server uses the same state or
    database."""
    app = create_app(svc, secure_cookies=secure_cookies)
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning")
    with only_server(svc.folder, svc.engine):
        uvicorn.Server(config).run()
