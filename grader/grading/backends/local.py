"""A pool of worker processes on this machine, one job per submission, reports as they finish.

Workers are processes started with ``spawn`` (not threads: the runners fork with a preexec
function, which is unsafe while other threads of the same process fork too). Each worker loads
the sheet once; reports come back as JSON and are validated here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from grader.grading.backends import worker
from grader.grading.discover import Submission
from grader.report import ScoreReport
from grader.sandbox.process import Runner
from grader.sheet import Sheet
from grader.sheet.lock import SheetLock


class LocalBackend:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)

    def in_process(self, jobs: int) -> bool:
        return min(self.workers, jobs) == 1  # a pool of one would only add a worker's start-up

    def run(self, sheet: Sheet, lock: SheetLock, runner: Runner,
            subs: Sequence[Submission]) -> Iterator[ScoreReport]:
        if not subs:
            return
        setup = worker.setup_of(sheet, runner)
        if self.in_process(len(subs)):
            for sub in subs:
                yield worker.grade_here(setup, sub)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(self.workers, len(subs)), mp_context=context,
                                 initializer=worker.load, initargs=(setup,)) as pool:
            futures = {pool.submit(worker.grade, setup, sub): sub for sub in subs}
            for future in as_completed(futures):
                yield worker.received(sheet, lock, runner, futures[future], future)
