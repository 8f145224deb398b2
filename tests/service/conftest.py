"""Service fixtures: a course folder, a database of each kind, and a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml

from grader.sandbox.process import ProcessRunner
from grader.service import admin
from grader.service.app import create_app
from grader.service.db import make_engine, upgrade
from grader.service.state import Service, open_service
from tests.service.postgres import create_database, free_port, start_postgres

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "submissions_example" / "inf264-ex4"
ROSTER = "id,name,email\nalice,Alice A,alice@example.org\nbob,<script>alert(1)</script> Bob,bob@example.org\n"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    yield from start_postgres()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None: the default SQLite file in the course's state folder; else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url = create_database(request.getfixturevalue("postgres_server"))
    upgrade(make_engine(url))
    return url


def offer(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"sheet": "inf264-ex4", "opens": "2020-01-01T00:00:00+00:00",
                            "deadline": "2020-02-01T00:00:00+00:00",
                            "late": {"policy": "flag"}, "counts": "last"}
    return {**base, **changes}


@dataclass
class Live:
    url: str
    svc: Service
    tokens: dict[str, str]
    server: uvicorn.Server
    thread: threading.Thread

    def client(self, who: str | None = None, headers: dict[str, str] | None = None) -> httpx.Client:
        sent = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers={**sent, **(headers or {})}, timeout=30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def write_course(folder: Path, offers: list[dict[str, Any]], **settings: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.yaml").write_text(yaml.safe_dump({"title": "Test course <b>1</b>",
                                                        "sheets": offers, **settings}))
    (folder / "roster.csv").write_text(ROSTER)
    return folder


def start_live(course: Path, db: str | None, runner_for: Callable[..., Any] | None = None,
               workers: int = 2) -> Live:
    url = admin.database_url(course, db, None)
    imported = admin.import_roster(course, course / "roster.csv", course / "links.csv", "http://x", url)
    tokens = {p.id: s for p, s in imported.imported.links}
    tokens["ta"] = admin.ta_token(url, "Tess TA")
    svc = open_service(course, runner_for or (lambda sheet: ProcessRunner(sheet.spec.limits)), db=db,
                       workers=workers)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(svc), host="127.0.0.1", port=port,
                                           access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    return Live(f"http://127.0.0.1:{port}", svc, tokens, server, thread)


@pytest.fixture
def live(tmp_path: Path, db_url: str | None) -> Iterator[Callable[..., Live]]:
    """``live(offers, **settings)``: a course served on a free port, stopped after the test."""
    started: list[Live] = []

    def make(offers: list[dict[str, Any]] | None = None, **settings: Any) -> Live:
        course = write_course(tmp_path / f"course{len(started)}", offers or [offer()], **settings)
        server = start_live(course, db_url)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def wait_done(client: httpx.Client, submission: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(submission["status_url"]).json()
        if status["status"] == "done":
            return status
        time.sleep(0.1)
    raise AssertionError(f"submission {submission['id']} not graded in {timeout} s")


def upload(client: httpx.Client, sheet: str, name: str, content: bytes) -> httpx.Response:
    return client.post(f"/api/sheets/{sheet}/submissions", files={"file": (name, content)})


def store_graded(factory: Any, report: Any, filename: str = "a.py") -> int:
    """A submission of ``report.student`` stored as already graded with ``report`` (no sandbox run):
    the id of its row."""
    from datetime import datetime, timezone

    from grader.service.db import SubmissionRow, transaction

    now = datetime.now(timezone.utc)
    with transaction(factory) as session:
        row = SubmissionRow(student_id=report.student, sheet_id=report.sheet, filename=filename,
                            sha256="0" * 64, size=1, created_at=now, status="done",
                            report_json=report.model_dump_json(), score=report.score,
                            max_score=report.max_score, graded_at=now)
        session.add(row)
        session.flush()
        return int(row.id)
