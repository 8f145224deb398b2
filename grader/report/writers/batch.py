"""What a batch writer renders: the sheet, every student's report, and the TA's warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from grader.report import ScoreReport
from grader.sheet import Sheet


@dataclass(frozen=True)
class Batch:
    sheet: Sheet
    reports: Sequence[ScoreReport]
    warnings: Sequence[str] = field(default=())  # e.g. two entries that were one student's id
    names: Mapping[str, str] = field(default_factory=dict)  # student id -> name, from a roster
