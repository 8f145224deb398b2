"""The same jobs on a Dask distributed cluster: ``--scheduler tcp://host:8786`` or ``local:N``.

Each job is one submission graded by :func:`grader.grading.backends.worker.grade_with` in a Dask worker
process, in its own fresh sandbox, exactly as the local pool does it; reports come back as JSON,
so they are byte-identical whichever backend ran them. Workers must see the grader, the sheet
folder and the submissions at the same paths (a shared filesystem, as on a Slurm/PBS cluster
reached with dask-jobqueue) and need bubblewrap like any grading machine. ``local:N`` starts a
LocalCluster of N single-threaded worker processes here.

Dask is an optional extra (``pip install grader[dask]``), imported only when this backend runs.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator, Sequence
from typing import Any

from grader.grading.backends import worker
from grader.grading.backends.worker import Plan
from grader.grading.discover import Submission
from grader.grading.submission import Graded
from grader.sheet import SheetError

# A grading task mostly waits for its sandbox; on a small machine the workers' own sampling
# profiler (every 10 ms) and monitors compete with the sandboxes for the same cores.
_QUIET_WORKERS = {"distributed.worker.profile.enabled": False,
                  "distributed.admin.system-monitor.interval": "2s",
                  "distributed.worker.memory.monitor-interval": "1s"}


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise SheetError("the dask backend needs Dask: pip install 'grader[dask]'") from None


class DaskBackend:
    def __init__(self, scheduler: str, workers: int | None = None) -> None:
        self.scheduler, self.local = scheduler, None
        if scheduler.startswith("local:"):
            count = scheduler.split(":", 1)[1]
            if count and not count.isdigit():
                raise SheetError(f"--scheduler {scheduler!r}: local:N takes a number of workers")
            self.local = int(count) if count else workers or os.cpu_count() or 1
        elif not scheduler.startswith(("tcp://", "tls://", "ws://", "wss://")):
            raise SheetError(f"--scheduler {scheduler!r}: give tcp://HOST:PORT or local:N")

    def in_process(self, jobs: int) -> bool:
        return False

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        distributed = _distributed()
        if self.local is None:
            with distributed.Client(self.scheduler) as client:
                yield client
            return
        with importlib.import_module("dask").config.set(_QUIET_WORKERS):
            cluster = distributed.LocalCluster(n_workers=self.local, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
        with cluster, distributed.Client(cluster) as client:
            yield client

    def run(self, plan: Plan, subs: Sequence[Submission]) -> Iterator[Graded]:
        if not subs:
            return
        with self._client() as client:
            shared = client.scatter(plan, broadcast=True)  # sent once, not once per submission
            futures = client.map(worker.grade_with, [shared] * len(subs), list(subs), pure=False)
            by_key = {future.key: sub for future, sub in zip(futures, subs, strict=True)}
            for future in _distributed().as_completed(futures):
                yield worker.received(plan, by_key[future.key], future)
