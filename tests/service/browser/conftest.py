"""Headless Chromium (Debian's, no browser download) driving a real ``grader serve`` on 127.0.0.1.

Every page a test opens is watched: a JavaScript dialog, an uncaught error or a console error
fails the test, so a name or file name that executed anywhere is caught.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.sandbox.process import ProcessRunner
from tests.service.conftest import Live, offer, start_live, write_course

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_FILE = '"><img src=x onerror=alert(1)>.ipynb'
ROSTER = ("id,name,email\nalice,Alice A,alice@example.org\nbob,Bob B,bob@example.org\n"
          f"mallory,{HOSTILE_NAME},mallory@example.org\n")

pytestmark = [pytest.mark.browser, pytest.mark.runs_code]


@pytest.fixture(scope="session")
def screenshots() -> Iterator[Path]:
    """GRADER_SCREENSHOTS, or a temporary folder (kept only for the session)."""
    given = os.environ.get("GRADER_SCREENSHOTS")
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="grader-screenshots-"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    if not given:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Watched:
    """A page and everything suspicious it did."""

    page: Any
    problems: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert self.problems == [], self.problems


@dataclass
class Course:
    live: Live
    browser: Any
    shots: Path
    watched: list[Watched] = field(default_factory=list)

    def page(self, who: str | None = None, *, javascript: bool = True, refusals: bool = False) -> Watched:
        """A new browser (own cookies), signed in by ``who``'s personal link; ``refusals``: the test
        expects 4xx answers, which Chromium logs as console errors."""
        context = self.browser.new_context(java_script_enabled=javascript,
                                           viewport={"width": 1100, "height": 800})
        watched = Watched(context.new_page())
        watched.page.on("dialog", lambda d: (watched.problems.append(f"dialog: {d.message}"), d.dismiss()))
        watched.page.on("pageerror", lambda e: watched.problems.append(f"page error: {e}"))
        watched.page.on("console", lambda m: m.type == "error" and not (
            refusals and m.text.startswith("Failed to load resource")) and watched.problems.append(
            f"console: {m.text}"))
        self.watched.append(watched)
        if who:
            watched.page.goto(f"{self.live.url}/login?token={self.live.tokens[who]}")
        return watched

    def shot(self, watched: Watched, name: str) -> None:
        watched.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


class Gated(ProcessRunner):
    """Runs a job once its gate file exists (the runner runs in the service's grading process,
    so the gate is a file, not a threading.Event)."""

    def __init__(self, limits: Any, gate: Path) -> None:
        super().__init__(limits)
        self.gate = gate

    def run(self, job: Any) -> Any:
        deadline = time.monotonic() + 60
        while not self.gate.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return super().run(job)


class Gate:
    """Grading waits until the test opens the gate: the page is seen queued or running first."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "gate-open"

    def open(self) -> None:
        self.path.touch()

    def runner_for(self, sheet: Any) -> ProcessRunner:
        return Gated(sheet.spec.limits, self.path)


@pytest.fixture
def course(tmp_path: Path, browser: Any, screenshots: Path) -> Iterator[Callable[..., Course]]:
    """``course(offers, gate=None)``: a course served on a free port; every page checked clean at the end."""
    made: list[Course] = []

    def make(offers: list[dict[str, Any]] | None = None, gate: Gate | None = None) -> Course:
        folder = write_course(tmp_path / f"course{len(made)}", offers or [offer()])
        (folder / "roster.csv").write_text(ROSTER)
        live = start_live(folder, None, runner_for=gate.runner_for if gate else None)
        made.append(Course(live, browser, screenshots))
        return made[-1]

    yield make
    for c in made:
        for watched in c.watched:
            watched.page.context.close()
        c.live.stop()
    for c in made:
        for watched in c.watched:
            watched.clean()
