"""Where a claimed job is graded: in the worker thread (the default) or on a Dask cluster.

The queue stays in the database either way: a worker thread claims a job, stages its file, hands
the grading to its :class:`Dispatch` and stores the report in one transaction, as always. With
``--scheduler tcp://HOST:PORT`` (or ``local:N``, a LocalCluster started here) the thread waits on
a Dask future instead of a local sandbox; the report comes back as the same JSON, so it is
byte-identical. Dask workers must see the grader, the sheets and the state folder at the same
absolute paths (a shared filesystem). Dask is an optional extra, imported only then.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from grader.service.library import (
    DaskBackend,
    Graded,
    Plan,
    Runner,
    ScoreReport,
    Sheet,
    SheetError,
    SheetLock,
    Submission,
    grade_submission,
    load_sheet,
    received,
    staleness,
)


class Dispatch(Protocol):
    def grade(self, sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner) -> ScoreReport: ...

    def ready(self, sheet: Sheet, runner: Runner) -> None:
        """After a job, its report stored: get ready for the next one."""

    def close(self) -> None: ...


class LocalDispatch:
    """In the worker thread, in its runner's sandbox; the next sandbox is warmed after each job."""

    def grade(self, sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner) -> ScoreReport:
        return grade_submission(sheet, lock, sub, runner)

    def ready(self, sheet: Sheet, runner: Runner) -> None:
        runner.warm_up(sheet.spec.executor)

    def close(self) -> None:
        pass


class DaskDispatch:
    """On a Dask cluster: each job one task, in a fresh sandbox on a Dask worker."""

    def __init__(self, scheduler: str) -> None:
        self._stack = contextlib.ExitStack()
        self.client: Any = self._stack.enter_context(DaskBackend(scheduler)._client())

    def grade(self, sheet: Sheet, lock: SheetLock, sub: Submission, runner: Runner) -> ScoreReport:
        future = self.client.submit(grade_on_worker, str(sheet.folder), lock, runner, sub, pure=False)
        return received(Plan(sheet, lock, runner), sub, future).report

    def ready(self, sheet: Sheet, runner: Runner) -> None:
        pass

    def close(self) -> None:
        self._stack.close()


def dispatch(scheduler: str | None) -> Dispatch:
    """``None``: grade here; else on the Dask cluster (SheetError: a bad address, or no Dask)."""
    return LocalDispatch() if scheduler is None else DaskDispatch(scheduler)


_LOADED: dict[str, tuple[str, Sheet]] = {}  # in a Dask worker: sheet folder -> (lock fingerprint, sheet)


def grade_on_worker(folder: str, lock: SheetLock, runner: Runner, sub: Submission) -> str:
    """A job on a Dask worker, graded against the service's lock: the sheet is loaded once per
    lock (again after ``grader lock``), and refused if its files here do not match that lock."""
    cached = _LOADED.get(folder)
    if cached is None or cached[0] != lock.fingerprint:
        sheet = load_sheet(folder)
        reasons = staleness(sheet, lock)
        if reasons:
            raise SheetError(f"sheet {sheet.id} here is not the one locked: {'; '.join(reasons)}")
        cached = _LOADED[folder] = (lock.fingerprint, sheet)
    # the report alone: the service keeps no executed notebook, so none travels
    return Graded(report=grade_submission(cached[1], lock, sub, runner)).model_dump_json()
