"""A grading process: one child process that grades one submission at a time for the thread that
owns it, and warms a sandbox when that thread has nothing to do.

For a long-running server (``grader serve``). Its sandboxes are forked from this small,
single-threaded process rather than from the server: a fork of a large, many-threaded process is
slower, a ``preexec_fn`` is unsafe while other threads of the same process fork, and grading's own
CPU (reading outputs, scoring, rendering) no longer waits on the server's GIL. Children are forked
from a forkserver that has the grading library imported, so one starts in milliseconds.

A plan (sheet, lock, runner) is sent once per lock, as a batch's pool initializer does; a job
then carries only a submission, and its report comes back as JSON. Warming is asked for, not done
after every job: a warm sandbox loads its executor's libraries before it knows the job (IPython
for a script that needs none), so under load, when no CPU is idle, it costs more than it saves.
Whatever goes wrong in the child, even its death, is that student's ``grader_error`` report
(:func:`worker.received`), and the next job gets a new child.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from grader.grading.backends.worker import Plan, received
from grader.grading.discover import Submission
from grader.grading.submission import Graded, grade_submission

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])
_CLOSE_S = 30.0  # a job in flight when the owner closes finishes within its own time limit


class ChildFailed(RuntimeError):
    """The grading process answered with an error, or died, while grading one submission."""


class _Reply:
    """A child's answer in the shape :func:`worker.received` reads (a future's ``result``)."""

    def __init__(self, answer: tuple[str, str]) -> None:
        self.answer = answer

    def result(self) -> str:
        kind, text = self.answer
        if kind != "ok":
            raise ChildFailed(text)
        return text


class GradingProcess:
    """One child; not shared between threads (each worker thread owns one)."""

    def __init__(self) -> None:
        self._child: BaseProcess | None = None
        self._conn: Connection | None = None
        self._plans: dict[str, str] = {}  # in the child: sheet folder -> lock fingerprint

    def ready(self, plan: Plan) -> None:
        """Warm a sandbox for ``plan``'s sheet, for the next job (a no-op if one is warm)."""
        self._install(plan)
        self._send(("warm", str(plan.sheet.folder), None))

    def _install(self, plan: Plan) -> None:
        """Start the child if it is not running, and give it ``plan`` if it does not have it yet."""
        if self._child is None or not self._child.is_alive():
            self.close()
            parent, child = _CONTEXT.Pipe()
            self._child = _CONTEXT.Process(target=_serve, args=(child,), name="grader-grading", daemon=True)
            self._child.start()
            child.close()
            self._conn, self._plans = parent, {}
        folder = str(plan.sheet.folder)
        if self._plans.get(folder) != plan.lock.fingerprint:
            self._send(("plan", folder, plan))
            self._plans[folder] = plan.lock.fingerprint

    def grade(self, plan: Plan, sub: Submission) -> Graded:
        try:
            self._install(plan)
            self._send(("grade", str(plan.sheet.folder), sub))
            assert self._conn is not None
            answer: tuple[str, str] = self._conn.recv()
        except (EOFError, OSError):
            answer = ("error", f"the grading process stopped while grading this submission ({self._ended()})")
            self.close()
        return received(plan, sub, _Reply(answer))

    def close(self) -> None:
        """Ask the child to stop (it closes its warm sandboxes); kill it if it does not."""
        child, conn, self._child, self._conn = self._child, self._conn, None, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        if child is not None:
            child.join(_CLOSE_S)
            if child.is_alive():
                child.kill()
                child.join()

    def _send(self, message: tuple[str, str, Any]) -> None:
        assert self._conn is not None
        self._conn.send(message)

    def _ended(self) -> str:
        """How the child ended (its pipe closed first: it may take a moment to be reaped)."""
        if self._child is None:
            return "never started"
        self._child.join(5.0)
        code = self._child.exitcode
        if code is None:
            return "its pipe closed, the process still running"
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _serve(conn: Connection) -> None:
    """The child: plans and jobs until its owner says stop or goes away."""
    # Ctrl-C, or a service manager's SIGTERM, reaches the whole group: the owner drains, then
    # closes this process; dying mid-job would give that student a grader_error report
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    plans: dict[str, Plan] = {}
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the owner died (kill -9): nothing to answer to
                return
            if message is None:
                return
            kind, folder, body = message
            if kind == "plan":
                if folder in plans:
                    plans[folder].runner.close()
                plans[folder] = body
            elif kind == "warm":
                _warm(plans[folder])
            else:
                conn.send(_graded(plans[folder], body))
    finally:
        for plan in plans.values():
            plan.runner.close()


def _graded(plan: Plan, sub: Submission) -> tuple[str, str]:
    try:  # grade_submission turns a student's failure into a report; this catches the grader's own
        report = grade_submission(plan.sheet, plan.lock, sub, plan.runner)
        return "ok", Graded(report=report).model_dump_json()
    except Exception as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def _warm(plan: Plan) -> None:
    # only a head start: if it fails, the next job starts its own sandbox and says why not
    with contextlib.suppress(Exception):
        plan.runner.warm_up(plan.sheet.spec.executor)
