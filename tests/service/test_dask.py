"""``grader serve --scheduler``: the queue stays in the database, the grading runs on Dask, and the
report is the one the worker threads make themselves, byte for byte."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.service.dispatch import DaskDispatch, dispatch, grade_on_worker
from grader.service.library import SheetError, Submission, load_sheet, ready_lock
from grader.service.server import open_checked
from grader.service.state import Service
from tests.service import conftest
from tests.service.conftest import EXAMPLES, offer, upload, wait_done, write_course
from tests.service.test_grading import untimed

NOTEBOOK = (EXAMPLES / "alice" / "exercise4.ipynb").read_bytes()


def graded_by_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    scheduler: str | None) -> tuple[str, Service]:
    """alice's notebook through ``grader serve [--scheduler …]``'s own wiring on a real uvicorn."""
    def opened(course: Path, runner_for: Any, *, db: str | None, workers: int) -> Service:
        return open_checked(course, db=db, state=None, workers=workers, unsafe=True, scheduler=scheduler)

    monkeypatch.setattr(conftest, "open_service", opened)
    course = write_course(tmp_path / f"course-{scheduler or 'threads'}".replace(":", "-"), [offer()])
    server = conftest.start_live(course, None)
    try:
        with server.client("alice") as alice, server.client("ta") as ta:
            sub = upload(alice, "inf264-ex4", "exercise4.ipynb", NOTEBOOK).json()
            wait_done(alice, sub, timeout=240)
            if scheduler:
                assert "grade_on_worker" in tasks_seen(server.svc)
            return ta.get(f"/api/ta/submissions/{sub['id']}/report.json").text, server.svc
    finally:
        server.stop()


def tasks_seen(svc: Service) -> list[str]:
    client = svc.pool.grading.dispatch.client  # type: ignore[attr-defined]
    seen: list[str] = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    return seen


@pytest.mark.runs_code
def test_a_dask_report_is_the_worker_threads_report_byte_for_byte(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    here, _ = graded_by_serve(tmp_path, monkeypatch, None)
    on_dask, svc = graded_by_serve(tmp_path, monkeypatch, "local:1")
    report = json.loads(on_dask)
    assert report["student"] == "alice" and report["run"]["grader_error"] == "" and report["score"] > 0
    assert untimed(on_dask) == untimed(here)
    used = svc.pool.grading.dispatch
    assert isinstance(used, DaskDispatch)
    assert used.client.status == "closed"  # the server's shutdown closed the cluster too


def test_a_worker_refuses_a_sheet_that_is_not_the_locked_one(tmp_path: Path) -> None:
    sheet = load_sheet("inf264-ex4")
    lock = ready_lock(sheet).model_copy(update={"sheet_hash": "0" * 64})  # what another `grader lock` made
    path = tmp_path / "exercise4.py"
    path.write_bytes((EXAMPLES / "bob.py").read_bytes())
    with pytest.raises(SheetError, match=r"inf264-ex4 here is not the one locked: .*sheet"):
        grade_on_worker(str(sheet.folder), lock, None, Submission("bob", path, "script"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("scheduler", "message"), [
    ("nope", "--scheduler 'nope': give tcp://HOST:PORT or local:N"),
    ("local:two", "local:N takes a number of workers"),
])
def test_bad_scheduler(scheduler: str, message: str) -> None:
    with pytest.raises(SheetError, match=re.escape(message)):
        dispatch(scheduler)


def test_serve_without_dask_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    course = write_course(tmp_path / "course", [offer()])
    result = CliRunner().invoke(app, ["serve", str(course), "--unsafe-no-sandbox", "--scheduler", "local:1"])
    assert result.exit_code == 2, result.output
    assert "needs Dask: pip install 'grader[dask]'" in result.output
