"""One submission after the other, in this process: for debugging and tiny batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from grader.discover import Submission
from grader.lock import SheetLock
from grader.pipeline import grade_submission
from grader.report import ScoreReport
from grader.runner import Runner
from grader.sheet import Sheet


class SerialBackend:
    def in_process(self, jobs: int) -> bool:
        return True

    def run(self, sheet: Sheet, lock: SheetLock, runner: Runner,
            subs: Sequence[Submission]) -> Iterator[ScoreReport]:
        for sub in subs:
            yield grade_submission(sheet, lock, sub, runner)
