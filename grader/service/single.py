"""One ``grader serve`` per database and per state folder.

At start-up a server re-queues every job it finds running (a killed server's) and sweeps partial
uploads and job folders. A second server on the same database or state folder would re-run jobs
the first is grading (graded twice) and delete the files of jobs in flight. So a server holds, for
as long as it runs, a file lock on its state folder (and on its SQLite file, wherever that is) and,
on PostgreSQL, a session advisory lock. The kernel and PostgreSQL release them when the process or
its connection dies, so a ``kill -9`` never leaves a stale lock behind.

``grader regrade`` may run beside a server: it grades jobs it claims and re-queues nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from grader.service.course import CourseError

_ADVISORY_KEY = 0x67726164657273  # "graders": the key this application's advisory lock uses
_LOCK_FILE = "serve.lock"


@contextlib.contextmanager
def only_server(state: Path, engine: Engine) -> Iterator[None]:
    """Held while the server runs; CourseError if another server holds any of its locks."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(_file_lock(state / _LOCK_FILE))
        database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        if database and Path(database).resolve().parent != state.resolve():  # --db sqlite:///elsewhere
            path = Path(database).resolve()
            stack.enter_context(_file_lock(path.with_name(path.name + ".serve-lock")))
        if engine.url.get_backend_name() == "postgresql":
            stack.enter_context(_advisory_lock(engine))
        yield


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise CourseError(f"another grader serve is running on this course's state or database "
                              f"(process {holder}, lock {path}): stop it first") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


@contextlib.contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    with engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY}).scalar():
            raise CourseError(f"another grader serve is running on the database {engine.url!r}: "
                              "stop it first")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a lost connection has released it already
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
