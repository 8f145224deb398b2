"""Where grading jobs run. A backend grades submissions and yields reports as they finish.

Every job is still one fresh sandbox; a backend only decides how many run at once and where.
Add one with one module and one registry entry. The registry imports a backend when it is
chosen, so naming one costs nothing (``grader grade`` warms its first sandbox meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from grader.grading.backends.worker import Plan
    from grader.grading.discover import Submission
    from grader.grading.submission import Graded


class Backend(Protocol):
    def run(self, plan: Plan, subs: Sequence[Submission]) -> Iterator[Graded]:
        """Grade ``subs`` by ``plan``, yielding reports as they finish (any order)."""
        ...

    def in_process(self, jobs: int) -> bool:
        """Whether the first of ``jobs`` runs in this process (with the runner given to run)."""
        ...


def _serial(workers: int | None, scheduler: str | None) -> Backend:
    from grader.grading.backends.serial import SerialBackend

    return SerialBackend()


def _local(workers: int | None, scheduler: str | None) -> Backend:
    from grader.grading.backends.local import LocalBackend

    return LocalBackend(workers)


def _dask(workers: int | None, scheduler: str | None) -> Backend:
    from grader.grading.backends.dask import DaskBackend

    return DaskBackend(scheduler or "local:", workers)


# name -> factory(workers, scheduler)
REGISTRY: dict[str, Callable[[int | None, str | None], Backend]] = {
    "serial": _serial, "local": _local, "dask": _dask,
}
