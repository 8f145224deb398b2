"""Submit over HTTP to a real uvicorn, get graded by the library's one-submission call."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet
from tests.noting import Noting, notes
from tests.service.conftest import EXAMPLES, offer, upload, wait_done

pytestmark = pytest.mark.runs_code


def untimed(text: str) -> str:
    return re.sub(r'"duration_s": [0-9.e-]+', '"duration_s": 0', text)


def test_report_is_the_clis_report_byte_for_byte(live, tmp_path: Path) -> None:
    server = live()
    with server.client("bob") as bob, server.client("ta") as ta:
        accepted = upload(bob, "inf264-ex4", "bob.py", (EXAMPLES / "bob.py").read_bytes())
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["status"] in ("queued", "running") and body["filename"] == "bob.py"
        wait_done(bob, body)
        raw = ta.get(f"/api/ta/submissions/{body['id']}/report.json").text
    sheet = load_sheet("inf264-ex4")
    folder = tmp_path / "cli"
    folder.mkdir()
    (folder / "bob.py").write_bytes((EXAMPLES / "bob.py").read_bytes())
    grade_batch(sheet, folder, tmp_path / "out", ProcessRunner(sheet.spec.limits))
    assert untimed(raw) == untimed((tmp_path / "out" / "bob" / "report.json").read_text())


def test_students_see_their_feedback_and_history_only(live) -> None:
    server = live()
    with server.client("alice") as alice, server.client("bob") as bob, server.client("ta") as ta:
        notebook = (EXAMPLES / "alice" / "exercise4.ipynb").read_bytes()
        first = upload(alice, "inf264-ex4", "exercise4.ipynb", notebook).json()
        wait_done(alice, first)
        feedback = alice.get(first["report_url"]).json()
        assert feedback["feedback"]["visibility"] == "full"  # the deadline is past
        assert feedback["feedback"]["report"]["student"] == "alice"
        assert feedback["feedback"]["report"]["run"]["grader_error"] == ""
        assert bob.get(first["status_url"]).status_code == 404
        assert bob.get(first["report_url"]).status_code == 404
        assert bob.get("/api/submissions/999999").json()["detail"] == "no submission 999999"
        assert ta.get(first["report_url"]).status_code == 200
        history = alice.get("/api/sheets/inf264-ex4/submissions").json()
        assert [s["id"] for s in history["submissions"]] == [first["id"]]
        assert history["counted"] == first["id"]
        assert bob.get("/api/sheets/inf264-ex4/submissions").json()["submissions"] == []
        me = alice.get("/api/me").json()
        assert me["sheets"][0]["attempts_used"] == 1 and me["csrf_token"] is None


@pytest.mark.parametrize("level", ["correctness", "format", "none"])
def test_visibility_before_the_deadline(live, level: str) -> None:
    server = live([offer(deadline="2099-01-01T00:00:00+01:00", late={"policy": "refuse"},
                         visibility={"before_deadline": level, "after_deadline": "full"})])
    with server.client("bob") as bob, server.client("ta") as ta:
        wrong = (EXAMPLES / "carol_wrong_gradient" / "exercise4.ipynb").read_bytes()
        sub = upload(bob, "inf264-ex4", "exercise4.ipynb", wrong).json()
        wait_done(bob, sub)
        shown = bob.get(sub["report_url"]).json()["feedback"]
        full = ta.get(sub["report_url"]).json()["feedback"]
    assert shown["visibility"] == level and shown["report"] is None and full["report"] is not None
    text = json.dumps(shown)
    expected_values = [c["details"]["expected"] for t in full["report"]["tasks"] for c in t["checks"]
                       if c["details"]["expected"]]
    assert expected_values and not any(f'"{v}"' in text for v in expected_values)
    assert "expected" not in text
    if level == "none":
        assert shown["checks"] == [] and shown["run"] is None and shown["score"] is None
    elif level == "format":
        assert shown["score"] is None and all(c["status"] is None for c in shown["checks"])
        assert shown["run"]["status"] == full["report"]["run"]["status"]
    else:
        assert shown["score"] == full["report"]["score"] and {c["status"] for c in shown["checks"]} <= {
            "passed", "failed", "error", "pending"}


@pytest.mark.sandbox
def test_graded_in_the_bubblewrap_sandbox(tmp_path: Path, db_url: str | None) -> None:
    from grader.service.server import runner_factory
    from tests.service.conftest import start_live, write_course

    course = write_course(tmp_path / "course", [offer()])
    server = start_live(course, db_url, runner_for=runner_factory(unsafe=False, state=course / "state"))
    try:
        with server.client("alice") as alice, server.client("ta") as ta:
            notebook = (EXAMPLES / "alice" / "exercise4.ipynb").read_bytes()
            first = upload(alice, "inf264-ex4", "exercise4.ipynb", notebook).json()
            second = upload(alice, "inf264-ex4", "exercise4.ipynb", notebook + b" ").json()
            for sub in (first, second):  # the second runs in the sandbox the first one warmed
                wait_done(alice, sub, timeout=180)
            reports = [json.loads(ta.get(f"/api/ta/submissions/{s['id']}/report.json").text)
                       for s in (first, second)]
    finally:
        server.stop()
    assert all("bubblewrap" in r["run"]["isolation"] and r["run"]["status"] == "completed" for r in reports)
    assert reports[0]["score"] == reports[1]["score"] > 0


def test_each_worker_warms_a_sandbox_in_its_own_grading_process_before_its_first_job(
        tmp_path: Path, db_url: str | None) -> None:
    from tests.service.conftest import start_live, write_course

    course, log = write_course(tmp_path / "course", [offer()]), tmp_path / "notes"
    server = start_live(course, db_url, runner_for=lambda sheet: Noting(sheet.spec.limits, log), workers=2)
    try:
        seen = notes(log, 2)
    finally:
        server.stop()
    assert [what for what, _ in seen] == ["warm:lean", "warm:lean"]  # the one open sheet, no job yet
    pids = {pid for _, pid in seen}
    assert len(pids) == 2 and os.getpid() not in pids  # sandboxes are not forked from the server


def test_a_sandbox_is_warmed_when_the_queue_empties_not_between_queued_jobs(
        tmp_path: Path, db_url: str | None) -> None:
    """Under load a warm sandbox costs CPU no one is idle to spare (it loads the executor's
    libraries before it knows the job); idle, it makes the next report quick."""
    from tests.service.conftest import start_live, write_course

    course, log, gate = write_course(tmp_path / "course", [offer()]), tmp_path / "notes", tmp_path / "gate"
    server = start_live(course, db_url, runner_for=lambda sheet: Noting(sheet.spec.limits, log, gate),
                        workers=1)
    script = (EXAMPLES / "bob.py").read_bytes()
    try:
        notes(log, 1)
        with server.client("alice") as alice:
            subs = [upload(alice, "inf264-ex4", "bob.py", script + b"#" * i).json() for i in range(3)]
            gate.touch()
            for sub in subs:
                wait_done(alice, sub)
        seen = notes(log, 5)
    finally:
        server.stop()
    assert [what for what, _ in seen] == ["warm:lean", "run", "run", "run", "warm:lean"]
