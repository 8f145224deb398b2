"""kill -9 at a busy moment, restart: every accepted submission is graded, exactly once. SIGTERM drains."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from grader.service import admin
from grader.service.db import JobRow, SubmissionRow, make_engine, transaction
from tests.service.conftest import EXAMPLES, offer, write_course
from tests.service.postgres import free_port

pytestmark = pytest.mark.runs_code


def start(course: Path, port: int, db: str | None, log: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "grader.cli", "serve", str(course), "--port", str(port),
            "--unsafe-no-sandbox", "--workers", "2", *(["--db", db] if db else [])]
    with log.open("ab") as sink:
        process = subprocess.Popen(args, stdout=sink, stderr=sink)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the server did not start: {log.read_text()[-2000:]}")


def send(url: str, token: str, i: int) -> int | None:
    """The submission id if the server accepted it (202), None if the kill cut it off."""
    body = (EXAMPLES / "bob.py").read_bytes() + f"\nextra_{i} = {i}\n".encode()
    try:
        response = httpx.post(f"{url}/api/sheets/inf264-ex4/submissions", files={"file": ("bob.py", body)},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)
    except httpx.HTTPError:
        return None
    return int(response.json()["id"]) if response.status_code == 202 else None


def test_kill_9_then_restart_grades_each_accepted_submission_once(tmp_path: Path, db_url: str | None) -> None:
    course = write_course(tmp_path / "course", [offer()])
    url = admin.database_url(course, db_url, None)
    imported = admin.import_roster(course, course / "roster.csv", tmp_path / "links.csv", "http://x", url)
    token = dict((p.id, s) for p, s in imported.imported.links)["alice"]
    port, log = free_port(), tmp_path / "server.log"
    server = start(course, port, db_url, log)
    base = f"http://127.0.0.1:{port}"
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(send, base, token, i) for i in range(24)]
        while not any(f.done() and f.result() for f in futures):
            time.sleep(0.01)
        time.sleep(0.4)  # uploads still streaming, jobs being graded
        left = descendants(server.pid)  # its grading processes (and the sandboxes they run)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        accepted = {r for f in futures if (r := f.result()) is not None}
    assert left and gone(left, 30), "a killed server's grading processes outlived it"
    graded_before = len([e for e in _events(log) if '"job graded"' in e])
    assert accepted and graded_before < len(accepted)  # the restart has work left over
    server = start(course, port, db_url, log)
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    for _ in range(1200):
        with transaction(factory) as session:
            pending = session.scalar(select(func.count()).select_from(JobRow).where(JobRow.state != "done"))
        if not pending:
            break
        time.sleep(0.1)
    with transaction(factory) as session:
        rows = {r.id: r for r in session.scalars(select(SubmissionRow))}
        done = [j.submission_id for j in session.scalars(select(JobRow).where(JobRow.state == "done"))]
    assert accepted <= set(rows)
    assert all(rows[i].report_json and rows[i].status == "done" for i in rows)
    assert sorted(done) == sorted(rows)  # one finished job per submission
    graded = [e["submission"] for e in map(json.loads, _events(log)) if e["event"] == "job graded"]
    assert len(graded) == len(set(graded)) and set(graded) <= set(rows)
    store = course / "state" / "blobs"
    assert not list(store.glob("*.partial")) and not list((course / "state" / "work").glob("job-*"))
    assert {rows[i].sha256 for i in rows} <= {p.name for p in store.iterdir()}
    server.send_signal(signal.SIGTERM)
    assert server.wait(60) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
    assert "service stopped: workers drained" in log.read_text()


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            child, rest = stat.read_text().split(" ", 1)
        except OSError:
            continue
        children.setdefault(int(rest.rsplit(") ", 1)[1].split()[1]), []).append(int(child))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def gone(pids: set[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(running(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _events(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("{")]
