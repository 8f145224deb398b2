"""One submission after the other, in this process: for debugging and tiny batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from grader.grading.backends.worker import Plan
from grader.grading.discover import Submission
from grader.grading.submission import Graded


class SerialBackend:
    def in_process(self, jobs: int) -> bool:
        return True

    def run(self, plan: Plan, subs: Sequence[Submission]) -> Iterator[Graded]:
        for sub in subs:
            yield plan.grade(sub)
