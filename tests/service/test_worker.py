"""Worker threads: a runner made for the sheet as locked now; a pool stopped and started again works."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.sandbox.process import ProcessRunner
from grader.service.state import open_service
from tests.service.conftest import EXAMPLES, offer, start_live, upload, wait_done, write_course

pytestmark = pytest.mark.runs_code


class Counted(ProcessRunner):
    made: list[Counted] = []  # noqa: RUF012 (the test reads it back)

    def __init__(self, limits: Any) -> None:
        super().__init__(limits)
        self.closed = False
        Counted.made.append(self)

    def close(self) -> None:
        self.closed = True


def test_a_sheet_loaded_again_gets_a_runner_made_for_it(tmp_path: Path) -> None:
    """After ``grader lock`` the sheet is loaded again: its limits may have changed, so the worker
    makes a new runner (and closes the old one) instead of keeping the first for ever."""
    Counted.made = []
    course = write_course(tmp_path / "course", [offer()])
    svc = open_service(course, lambda sheet: Counted(sheet.spec.limits), workers=1)
    runners: dict[str, Any] = {}
    first = svc.pool._plan("inf264-ex4", runners)
    assert svc.pool._plan("inf264-ex4", runners).runner is first.runner  # same sheet: same runner
    svc.sheets.get("inf264-ex4", recheck=True)  # as after a new lock
    second = svc.pool._plan("inf264-ex4", runners)
    assert second.sheet is not first.sheet and second.runner is not first.runner
    assert first.runner.closed and not second.runner.closed  # type: ignore[attr-defined]


def test_a_pool_stopped_and_started_again_grades(tmp_path: Path) -> None:
    server = start_live(write_course(tmp_path / "course", [offer()]), None, workers=1)
    try:
        server.svc.pool.stop()
        server.svc.pool.start()
        with server.client("bob") as bob:
            sent = upload(bob, "inf264-ex4", "bob.py", (EXAMPLES / "bob.py").read_bytes()).json()
            assert wait_done(bob, sent, timeout=60)["status"] == "done"
    finally:
        server.stop()
