"""Red-team tests of the service's grading process (grader/grading/backends/child.py) and of
the worker pool around it: each failing test names the problem in its docstring."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from grader.grading.backends.child import GradingProcess
from grader.grading.backends.worker import Plan
from grader.grading.batch import ready_lock
from grader.grading.discover import Submission
from grader.grading.submission import grade_submission
from grader.sandbox.process import ProcessRunner
from grader.service import admin, jobs
from grader.service.db import Student, SubmissionRow, make_engine, now, transaction, upgrade
from grader.sheet import load_sheet
from tests.service.conftest import offer, write_course
from tests.service.postgres import free_port
from tests.service.test_durability import descendants, gone, running, start

pytestmark = pytest.mark.runs_code
EXAMPLES = Path(__file__).resolve().parents[2] / "submissions_example" / "inf264-ex4"

# a student's script stops a helper process it started (Popen.terminate() sends SIGTERM)
TERMINATE = b"""
import subprocess, sys
_helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
_helper.terminate()
print("helper stopped", _helper.wait(timeout=3))  # TimeoutExpired: it ignored SIGTERM
"""


@pytest.fixture
def plan() -> Plan:
    sheet = load_sheet("inf264-ex4")
    return Plan(sheet, ready_lock(sheet), ProcessRunner(sheet.spec.limits))


def submission(tmp_path: Path, student: str, tail: bytes) -> Submission:
    folder = tmp_path / student
    folder.mkdir()
    copy = folder / "bob.py"
    copy.write_bytes((EXAMPLES / "bob.py").read_bytes() + tail)
    return Submission(student, copy, "script")


def test_student_code_does_not_inherit_the_childs_ignored_sigterm(plan: Plan, tmp_path: Path) -> None:
    """PROBLEM: _serve sets SIGINT and SIGTERM to SIG_IGN, and an ignored signal survives fork and
    exec (Popen's restore_signals restores only SIGPIPE/SIGXFSZ), so every sandbox the grading
    process starts runs the student's code with SIGINT/SIGTERM ignored (no KeyboardInterrupt, and
    terminate() of any process it starts does nothing). ``Popen.terminate(); wait()`` hangs
    until the cell time limit (here a 3 s wait fails): the service reports a cell error where
    ``grader grade`` reports the same file clean (the service promises the CLI's report).
    ``with multiprocessing.Pool()`` hangs the same way, intermittently (its __exit__ is terminate()).
    Fix: restore SIG_DFL for SIGINT/SIGTERM in the sandbox's preexec (or start sandboxes with
    signals restored), or instead of SIG_IGN in the child, install a handler (handlers reset to
    default on exec)."""
    sub = submission(tmp_path, "terminate", TERMINATE)
    here = grade_submission(plan.sheet, plan.lock, sub, ProcessRunner(plan.sheet.spec.limits))
    process = GradingProcess()
    try:
        there = process.grade(plan, sub).report
    finally:
        process.close()
    assert here.run.status == "completed"
    assert here.run.cell_errors == []
    assert there.run.cell_errors == [], there.run.cell_errors  # TimeoutExpired in the last cell


def _server(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    course = write_course(tmp_path / "course", [offer()])
    url = admin.database_url(course, None, None)
    imported = admin.import_roster(course, course / "roster.csv", tmp_path / "links.csv", "http://x", url)
    token = dict((p.id, s) for p, s in imported.imported.links)["alice"]
    port = free_port()
    return start(course, port, None, tmp_path / "server.log"), f"http://127.0.0.1:{port}", token


def _submit(base: str, token: str, tail: bytes) -> int:
    body = (EXAMPLES / "bob.py").read_bytes() + tail
    response = httpx.post(f"{base}/api/sheets/inf264-ex4/submissions", files={"file": ("bob.py", body)},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def _sandbox_started(server: int, marker: str, timeout: float = 30.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = {p for p in descendants(server) if marker in _cmdline(p)}
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("the slow submission never started")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


SLOW = b"\nimport time\ntime.sleep(25)\n"


def test_kill_9_of_the_server_ends_the_job_it_was_grading(tmp_path: Path) -> None:
    """PROBLEM: a grading process is a child of the forkserver, not of the server, and nothing ties
    its life to the server's (no PR_SET_PDEATHSIG, no check of its owner while it grades; it even
    ignores SIGTERM/SIGINT). After kill -9 of the server (or an OOM kill of it), the grading
    process and the student's sandbox it started keep running the interrupted job to its time
    limit, while the restarted server re-queues the same job and grades it again, in the same
    state/work/job-<id> folder (swept at start-up under the orphan's feet). Before this change the
    sandbox was the server's own child and died with it.
    Fix: PR_SET_PDEATHSIG(SIGKILL) in the grading process (and kill its sandbox's process group when
    it dies), or have _serve watch its owner's pipe while it grades."""
    server, base, token = _server(tmp_path)
    tree: set[int] = set()
    try:
        _submit(base, token, SLOW)
        tree = _sandbox_started(server.pid, "driver.py") | descendants(server.pid)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        survivors = [_cmdline(p)[:70] for p in tree if running(p)] if not gone(tree, 5) else []
        assert survivors == [], "still running 5 s after the server's kill -9"
    finally:
        for pid in (server.pid, *tree):  # only what this test's server started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_sigterm_to_the_whole_group_mid_job_drains_and_stores_the_report(tmp_path: Path) -> None:
    """Guarantee: a service manager's SIGTERM reaches the server, its forkserver, the resource
    tracker and the grading processes at once; the job being graded still gets its own report
    (not a grader_error), stored, and the server exits."""
    course = write_course(tmp_path / "course", [offer()])
    url = admin.database_url(course, None, None)
    imported = admin.import_roster(course, course / "roster.csv", tmp_path / "links.csv", "http://x", url)
    token = dict((p.id, s) for p, s in imported.imported.links)["alice"]
    port, log = free_port(), tmp_path / "server.log"
    args = [sys.executable, "-m", "grader.cli", "serve", str(course), "--port", str(port),
            "--unsafe-no-sandbox", "--workers", "1"]
    with log.open("ab") as sink:
        server = subprocess.Popen(args, stdout=sink, stderr=sink, start_new_session=True)
    tree: set[int] = set()
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.05)
        sid = _submit(base, token, b"\nimport time\ntime.sleep(4)\nfinished = 1\n")
        time.sleep(2.0)
        tree = descendants(server.pid)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(60)
        factory = sessionmaker(make_engine(url), expire_on_commit=False)
        with transaction(factory) as session:
            row = session.get_one(SubmissionRow, sid)
            status, report = row.status, row.report_json
        assert status == "done" and report is not None, log.read_text()[-3000:]
        assert json.loads(report)["run"]["status"] == "completed"
        assert gone(tree, 10)
    finally:
        for pid in (server.pid, *tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class Hanging(ProcessRunner):
    """A runner stuck in the grading process itself (a grader bug, a sandbox stuck in the kernel):
    what the sandbox's own time limits cannot end."""

    def run(self, job: Any) -> Any:
        if "# hang the grader" in Path(job.source).read_text():
            time.sleep(3600)
        return super().run(job)


def test_a_grading_process_that_hangs_costs_one_report_not_the_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PROBLEM: GradingProcess.grade waits on conn.recv() with no deadline. If the grading process
    hangs (not the sandbox: its limits end a student's code), the worker thread waits forever,
    every later job of that thread waits, and WorkerPool.stop() (SIGTERM's drain) joins that
    thread forever; the grading process ignores SIGTERM, so only SIGKILL ends the service.
    Fix: poll the pipe with a deadline of the sheet's total_timeout_s plus a margin (setup,
    probes, scoring); past it, kill the child and return the grader_error report.
    Fixed: twice the sheet's total time plus a grace (2 min; 5 s here), then killed."""
    from grader.grading.backends import child

    monkeypatch.setattr(child, "_GRACE_S", 5.0)
    sheet = load_sheet("inf264-ex4")
    limits = sheet.spec.limits.model_copy(update={"total_timeout_s": 2.0, "cell_timeout_s": 1.0})
    small = dataclasses.replace(sheet, spec=sheet.spec.model_copy(update={"limits": limits}))
    plan = Plan(small, ready_lock(sheet), Hanging(limits))
    process = GradingProcess()
    sub = submission(tmp_path, "hangs", b"\n# hang the grader\n")
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(process.grade(plan, sub).report.run.status),
                              daemon=True)
    try:
        worker.start()
        worker.join(30)
        assert done == ["grader_error"], "the worker thread still waits 30 s into a 2 s job"
        assert not process._child, "the stuck grading process was not stopped"
    finally:
        child = process._child
        if child is not None and child.is_alive():
            child.kill()
        worker.join(10)
        process.close()


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'grader.db'}")
    upgrade(engine)
    made = sessionmaker(engine, expire_on_commit=False)
    with transaction(made) as session:
        session.add(Student(id="alice", name="Alice", email="a@example.org"))
    return made


def test_a_job_claimed_as_the_pool_stops_is_released_as_if_never_claimed(
        factory: sessionmaker[Session]) -> None:
    """PROBLEM (minor): at drain, a job claimed by finish(then_claim=True) just as stop() was called
    is released (WorkerPool._loop), but jobs.release only sets the job back to "queued": its
    submission still says "running" (what the student's page shows while the server is down), and
    its run count stays raised, so when it is graded after the restart it is logged as run 2, the
    mark of a run a crash interrupted (jobs.Claimed.run), though it never ran.
    Fix: release() restores the submission's status (queued unless it has a report) and runs - 1."""
    with transaction(factory) as session:
        rows = [SubmissionRow(student_id="alice", sheet_id="s", filename=f"f{i}.py", sha256=f"{i:064d}",
                              size=1, created_at=now(), status="queued") for i in range(2)]
        session.add_all(rows)
        session.flush()
        for row in rows:
            jobs.enqueue(session, row.id)
        second = rows[1].id
    first_job = jobs.claim(factory)
    assert first_job is not None
    following = jobs.finish(factory, first_job, "{}", 1.0, 2.0, then_claim=True)
    assert following is not None and following.submission_id == second
    jobs.release(factory, following)  # what _loop does once it sees the stop
    with transaction(factory) as session:
        assert session.get_one(SubmissionRow, second).status == "queued"
    again = jobs.claim(factory)
    assert again is not None and again.run == 1


def test_a_deeply_nested_notebook_is_the_students_problem_not_a_grader_error(tmp_path: Path) -> None:
    """PROBLEM: a .ipynb whose JSON nests 100k levels (200 KB, well under the upload limit) makes
    GradedFile.content (grading/locate.py) raise RecursionError, which its ``except ValueError``
    does not catch: the report is a grader_error ("an internal error, not something in your
    work; your TA has been told"), in the service and the CLI alike, and a regrade repeats it.
    Any student can raise such alarms at will. (Pre-existing, not from the grading process.)
    Fix: catch RecursionError there as an unreadable notebook (sanity.py's _notebook_source too)."""
    sheet = load_sheet("inf264-ex4")
    folder = tmp_path / "deep"
    folder.mkdir()
    path = folder / "exercise4.ipynb"
    path.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    report = grade_submission(sheet, ready_lock(sheet), Submission("deep", path, "notebook"),
                              ProcessRunner(sheet.spec.limits))
    assert report.run.status != "grader_error", report.run.grader_error
