"""Where a claimed job is graded: in the worker thread's own grading process (the default) or on
a Dask cluster.

The queue stays in the database either way: a worker thread claims a job, stages its file, hands
the grading to its :class:`Dispatch` and stores the report in one transaction, as always. By
default the thread waits on its child process (:mod:`grader.grading.backends.child`: sandboxes
are forked from it, not from the server). With ``--scheduler tcp://HOST:PORT`` (or ``local:N``, a
LocalCluster started here) the thread waits on a Dask future instead; the report comes back as
the same JSON, so it is byte-identical. Dask workers must see the grader, the sheets and the
state folder at the same absolute paths (a shared filesystem). Dask is an optional extra, imported
only then.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Protocol

from grader.service.library import (
    DaskBackend,
    Graded,
    GradingProcess,
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
    def grade(self, plan: Plan, sub: Submission) -> ScoreReport:
        """Called from a worker thread: that thread's job, graded against ``plan``."""

    def ready(self, plan: Plan) -> None:
        """Called from a worker thread before its first job: get ready to grade ``plan``'s sheet."""

    def close(self) -> None: ...


class ProcessDispatch:
    """Each worker thread grades in its own child process (started on first use, again if it
    dies), which keeps that thread's next sandbox warm."""

    def __init__(self) -> None:
        self._mine = threading.local()
        self._lock = threading.Lock()
        self._all: list[GradingProcess] = []

    def grade(self, plan: Plan, sub: Submission) -> ScoreReport:
        return self._process().grade(plan, sub).report

    def ready(self, plan: Plan) -> None:
        self._process().ready(plan)

    def close(self) -> None:
        with self._lock:
            processes, self._all = self._all, []
        for process in processes:
            process.close()

    def _process(self) -> GradingProcess:
        process: GradingProcess | None = getattr(self._mine, "process", None)
        if process is None:
            process = self._mine.process = GradingProcess()
            with self._lock:
                self._all.append(process)
        return process


class DaskDispatch:
    """On a Dask cluster: each job one task, in a fresh sandbox on a Dask worker."""

    def __init__(self, scheduler: str) -> None:
        self._stack = contextlib.ExitStack()
        self.client: Any = self._stack.enter_context(DaskBackend(scheduler)._client())

    def grade(self, plan: Plan, sub: Submission) -> ScoreReport:
        future = self.client.submit(grade_on_worker, str(plan.sheet.folder), plan.lock, plan.runner, sub,
                                    pure=False)
        return received(plan, sub, future).report

    def ready(self, plan: Plan) -> None:
        pass

    def close(self) -> None:
        self._stack.close()


def dispatch(scheduler: str | None) -> Dispatch:
    """``None``: grade on this machine; else on the Dask cluster (SheetError: a bad address, or no Dask)."""
    return ProcessDispatch() if scheduler is None else DaskDispatch(scheduler)


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
