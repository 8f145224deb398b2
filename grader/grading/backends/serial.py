"""One submission after the other, in this process: for debugging and tiny batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from grader.grading.discover import Submission
from grader.grading.submission import grade_submission
from grader.report import ScoreReport
from grader.sandbox.process import Runner
from grader.sheet import Sheet
from grader.sheet.lock import SheetLock


class SerialBackend:
    def in_process(self, jobs: int) -> bool:
        return True

    def run(self, sheet: Sheet, lock: SheetLock, runner: Runner,
            subs: Sequence[Submission]) -> Iterator[ScoreReport]:
        for sub in subs:
            yield grade_submission(sheet, lock, sub, runner)
