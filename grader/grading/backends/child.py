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
import os
import select
import signal
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from grader.grading.backends.worker import Plan, received
from grader.grading.discover import Submission
from grader.grading.submission import Graded, grade_submission

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])
_CLOSE_S = 30.0  # a job in flight when the owner closes finishes within its own time limit
_GRACE_S = 120.0  # past twice the sheet's time for a run, and this, a grading process is stuck


class ChildFailed(RuntimeError):
    """The grading process answered with an error, or died, while grading one submission."""


class OwnerGone(BaseException):
    """In the child: its owner hung up (killed). Not an Exception, so no ``except Exception`` of the
    grading stops it: the job in progress unwinds, its sandbox stopped and its files removed."""


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
            answer = self._answer(2 * plan.sheet.spec.limits.total_timeout_s + _GRACE_S)
        except (EOFError, OSError):
            answer = ("error", f"the grading process stopped while grading this submission ({self._ended()})")
            self.close()
        return received(plan, sub, _Reply(answer))

    def _answer(self, seconds: float) -> tuple[str, str]:
        """The child's answer; a child stuck past ``seconds`` (a grader bug, a sandbox stuck in the
        kernel) is killed, so this thread and the server's drain go on."""
        assert self._conn is not None and self._child is not None
        if self._conn.poll(seconds):
            answer: tuple[str, str] = self._conn.recv()
            return answer
        self._child.kill()
        self.close()
        return "error", f"the grading process did not answer within {seconds:.0f} s and was stopped"

    def close(self) -> None:
        """Ask the child to stop (it closes its warm sandboxes); kill it if it does not. The pipe is
        closed last: the child takes a hang-up for its owner's death."""
        child, conn, self._child, self._conn = self._child, self._conn, None, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(None)
        if child is not None:
            child.join(_CLOSE_S)
            if child.is_alive():
                child.kill()
                child.join()
        if conn is not None:
            conn.close()

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
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _drained_by_owner)
    _watch_owner(conn)
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
    except OwnerGone:
        return
    finally:
        for plan in plans.values():
            plan.runner.close()


def _watch_owner(conn: Connection) -> None:
    """While a job runs nothing reads the pipe, so a thread waits for the owner to hang up (a
    ``kill -9`` of the server included: the child's parent is the forkserver, not the owner) and
    then unwinds the job, so neither the child nor the student's code outlives the server."""
    signal.signal(signal.SIGUSR1, _owner_gone)
    watcher = select.poll()
    watcher.register(conn.fileno(), select.POLLRDHUP)  # the peer closed: not data, which stays unread

    def wait() -> None:
        watcher.poll()
        os.kill(os.getpid(), signal.SIGUSR1)  # handled in the main thread, between two system calls
        time.sleep(_CLOSE_S)
        os._exit(1)  # it did not unwind in time (a system call that does not return)

    threading.Thread(target=wait, name="grader-owner-watch", daemon=True).start()


def _owner_gone(signum: int, frame: object) -> None:
    raise OwnerGone


def _drained_by_owner(signum: int, frame: object) -> None:
    """Ctrl-C, or a service manager's SIGTERM, reaches the whole group: the owner drains, then
    closes this process (dying mid-job would cost that student a grader_error report). A handler,
    not SIG_IGN: an ignored signal would stay ignored in the student's code after exec."""


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
