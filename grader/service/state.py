"""The running service's parts, built once: course, database, upload store, workers, metrics.

``open_service`` checks everything a TA could have got wrong before a request is served: the
course file, every sheet's lock, a writable state folder, a database at the current schema
(SQLite is upgraded in place; a PostgreSQL database needs ``grader db upgrade``).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from grader.service import jobs
from grader.service.course import Course, CourseError, load_course
from grader.service.db import default_url, is_current, make_engine, reading, upgrade
from grader.service.metrics import Metrics
from grader.service.storage import BlobStore
from grader.service.worker import Grading, RunnerFactory, Sheets, WorkerPool


@dataclass(frozen=True)
class Service:
    course: Course
    engine: Engine
    factory: sessionmaker[Session]
    store: BlobStore
    pool: WorkerPool
    metrics: Metrics
    secret: bytes
    sheets: Sheets
    folder: Path  # the state folder


def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def state_folder(course: Path, state: Path | None) -> Path:
    folder = state or course / "state"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CourseError(f"the state folder {folder} cannot be created: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CourseError(f"the state folder {folder} is not writable")
    # the database holds every report with its expected values, and names and emails: the
    # server's user only (the SQLite files inside were world-readable)
    folder.chmod(0o700)
    return folder


def _secret(state: Path) -> bytes:
    """The key that signs session cookies, made once and kept private to the server's user."""
    path = state / "session.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def open_database(url: str, *, create: bool) -> Engine:
    engine = make_engine(url)
    try:
        if create and url.startswith("sqlite"):
            upgrade(engine)
        elif not is_current(engine):
            raise CourseError(f"the database {engine.url!r} is not at the current schema: "
                              "run `grader db upgrade`")
    except SQLAlchemyError as exc:
        raise CourseError(f"the database {engine.url!r} cannot be used: {exc.__class__.__name__}: "
                          f"{str(exc).splitlines()[0]}") from None
    return engine


def open_service(course_dir: Path, runner_for: RunnerFactory, *, db: str | None = None,
                 state: Path | None = None, workers: int = 2) -> Service:
    course = load_course(course_dir)
    folder = state_folder(course.folder, state)
    store = BlobStore(folder / "blobs")
    engine = open_database(db or default_url(folder), create=True)
    factory = sessionmaker(engine, expire_on_commit=False)
    sheets = Sheets(course)
    for sheet_id in course.sheets:
        try:
            sheets.get(sheet_id)
        except Exception as exc:
            raise CourseError(f"sheet {sheet_id} cannot be graded: {exc}") from None
    metrics = Metrics(lambda: _queue_length(factory))
    grading = Grading(course, factory, store, folder / "work", runner_for, metrics, sheets)
    return Service(course, engine, factory, store, WorkerPool(grading, workers), metrics,
                   _secret(folder), sheets, folder)


def start(svc: Service) -> int:
    """Sweep what a crash left and start the workers; the number of interrupted jobs re-queued."""
    svc.store.sweep()
    svc.pool.sweep()
    requeued = jobs.recover(svc.factory)
    svc.pool.start()
    return requeued


def _queue_length(factory: sessionmaker[Session]) -> float:
    with reading(factory) as session:
        return float(jobs.waiting(session))


def healthy(svc: Service) -> bool:
    try:
        with svc.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
