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
from typing import Any

from grader.discover import Submission
from grader.lock import SheetLock, require_fresh_lock
from grader.pipeline import grade_submission
from grader.report import ScoreReport
from grader.runner import Runner
from grader.sheet import Sheet, load_sheet

_WORKER: dict[str, Any] = {}


def _init(sheet_dir: str, limits: dict[str, Any], data: dict[str, Any], runner: Runner) -> None:
    sheet = load_sheet(sheet_dir).with_limits(**limits).with_data(**data)
    _WORKER.update(sheet=sheet, lock=require_fresh_lock(sheet), runner=runner)


def _grade(sub: Submission) -> str:
    return grade_submission(_WORKER["sheet"], _WORKER["lock"], sub, _WORKER["runner"]).model_dump_json()


class LocalBackend:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)

    def run(self, sheet: Sheet, lock: SheetLock, runner: Runner,
            subs: Sequence[Submission]) -> Iterator[ScoreReport]:
        if not subs:
            return
        context = multiprocessing.get_context("spawn")
        init = (str(sheet.folder), sheet.spec.limits.model_dump(), sheet.data_overrides, runner)
        with ProcessPoolExecutor(min(self.workers, len(subs)), mp_context=context,
                                 initializer=_init, initargs=init) as pool:
            for future in as_completed([pool.submit(_grade, sub) for sub in subs]):
                yield ScoreReport.model_validate_json(future.result())
