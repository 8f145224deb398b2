"""A graded submission as it ran: every cell's source and the outputs the run produced.

Built on the host from the submission's own file and the run's bounded outputs (never the
outputs saved in the file), carried beside the report (not inside report.json) and written as
``submission.html``. Student-controlled throughout: the writer escapes and sanitises it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from grader.frozen import Frozen
from grader.report.located import LocatedBlock


class ExecutedCell(Frozen):
    kind: Literal["markdown", "code", "raw"]
    cell: int = Field(description="1-based, as the student sees it")
    source: str = ""
    truncated: bool = False
    outputs: list[LocatedBlock] = Field(default_factory=list, description="kinds output and image")


class ExecutedNotebook(Frozen):
    file: str = Field(description="the graded file, relative to the submission")
    script: bool = False
    status: str = Field("", description="how the run ended, e.g. 'completed', 'timeout: …'")
    cells: list[ExecutedCell] = Field(default_factory=list)
    omitted: int = Field(0, ge=0, description="cells left out to keep the page bounded")
