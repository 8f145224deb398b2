"""Where grading jobs run. A backend grades submissions and yields reports as they finish.

Every job is still one fresh sandbox; a backend only decides how many run at once and where.
Add one with one module and one registry entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from grader.backends.dask import DaskBackend
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


# name -> factory(workers, scheduler)
REGISTRY: dict[str, Callable[[int | None, str | None], Backend]] = {
    "serial": lambda workers, scheduler: SerialBackend(),
    "local": lambda workers, scheduler: LocalBackend(workers),
    "dask": lambda workers, scheduler: DaskBackend(scheduler or "local:", workers),
}

__all__ = ["REGISTRY", "Backend", "DaskBackend", "LocalBackend", "SerialBackend"]
