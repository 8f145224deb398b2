"""A runner that writes down what it is asked to do, and from which process: the service and the
grading processes run it in a child process, where a test cannot look at it otherwise."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from grader.sandbox.process import ProcessRunner


class Noting(ProcessRunner):
    """Notes ``warm:<executor>`` and ``run`` with the pid in ``log``. A job waits for the ``gate``
    file if there is one; a job whose file says ``# kill the grader`` kills its grading process."""

    def __init__(self, limits: Any, log: Path, gate: Path | None = None) -> None:
        super().__init__(limits)
        self.log, self.gate = log, gate

    def _note(self, what: str) -> None:
        with self.log.open("a") as f:
            f.write(f"{what} {os.getpid()}\n")

    def warm_up(self, executor: str) -> None:
        self._note(f"warm:{executor}")

    def run(self, job: Any) -> Any:
        deadline = time.monotonic() + 60
        while self.gate is not None and not self.gate.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        self._note("run")
        if "# kill the grader" in Path(job.source).read_text():
            os.kill(os.getpid(), signal.SIGKILL)
        return super().run(job)


def notes(log: Path, count: int = 0, timeout: float = 30) -> list[tuple[str, int]]:
    """What was noted, once there are at least ``count`` notes (or ``timeout`` passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < count):
        time.sleep(0.02)
    return [(what, int(pid)) for what, pid in (line.split() for line in log.read_text().splitlines())]
