"""Where grading jobs run. A backend grades submissions and yields reports as they finish.

Every job is still one fresh sandbox; a backend only decides how many run at once and where.
Add one with one module and one registry entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from grader.backends.local import LocalBackend
from grader.backends.serial import SerialBackend
from grader.discover import Submission
from grader.lock import SheetLock
from grader.report import ScoreReport
from grader.runner import Runner
from grader.sheet import Sheet


class Backend(Protocol):
    def run(self, sheet: Sheet, lock: SheetLock, runner: Runner,
            subs: Sequence[Submission]) -> Iterator[ScoreReport]: ...


REGISTRY: dict[str, Callable[[int | None], Backend]] = {
    "serial": lambda workers: SerialBackend(),
    "local": lambda workers: LocalBackend(workers),
}

__all__ = ["REGISTRY", "Backend", "LocalBackend", "SerialBackend"]
