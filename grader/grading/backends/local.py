"""A pool of worker processes on this machine, one job per submission, reports as they finish.

Workers are processes started with ``spawn`` (not threads: the runners fork with a preexec
function, which is unsafe while other threads of the same process fork too). Each worker gets
the batch's plan once; reports come back as JSON and are validated here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from grader.grading.backends import worker
from grader.grading.backends.worker import Plan
from grader.grading.discover import Submission
from grader.grading.submission import Graded


class LocalBackend:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)

    def in_process(self, jobs: int) -> bool:
        return min(self.workers, jobs) == 1  # a pool of one would only add a worker's start-up

    def run(self, plan: Plan, subs: Sequence[Submission]) -> Iterator[Graded]:
        if not subs:
            return
        if self.in_process(len(subs)):
            for sub in subs:
                yield plan.grade(sub)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(self.workers, len(subs)), mp_context=context,
                                 initializer=worker.install, initargs=(plan,)) as pool:
            futures = {pool.submit(worker.grade_installed, sub): sub for sub in subs}
            for future in as_completed(futures):
                yield worker.received(plan, futures[future], future)
