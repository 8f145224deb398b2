"""The submission as it ran (grader.report.executed): its cells with the run's own outputs.

Bounded so that a hostile notebook gives a page of a few megabytes written in well under a
second: 2,000 cells, 20,000 characters a cell's source and 300,000 in all (the references hold
3,000 to 11,000), 1,000,000 characters of text output and 3,000 outputs in all (the harness
already bounds what a run may return: 3 MiB).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.grading.locate import GradedFile, RunView, output_blocks
from grader.harness.cells import split_script
from grader.report.executed import ExecutedCell, ExecutedNotebook
from grader.report.located import LocatedBlock
from grader.sandbox.job import RunResult

MAX_CELLS = 2_000
MAX_CELL_SOURCE = 20_000
MAX_SOURCE = 300_000
MAX_OUTPUT_TEXT = 1_000_000
MAX_OUTPUTS = 3_000
_CUT = "[more output, not shown here: the page is bounded]"


def executed_notebook(graded: GradedFile, file: str, run: RunResult) -> ExecutedNotebook:
    """``graded``, the graded file (``file`` as the student names it), with what ``run`` showed."""
    status = run.status + (f": {run.message[:300]}" if run.message else "")
    if run.outputs_cut:
        status += f" ({run.outputs_cut} outputs not kept: past the size bound)"
    view = RunView.of(run.outputs, run.cell_errors)
    content = graded.content
    if isinstance(content, str):  # the harness's cells of a script: numbered in order
        cells = [("code", code) for _, code in split_script(content)]
        return _bounded(ExecutedNotebook(file=file, script=True, status=status), cells, view)
    if content is None:
        return ExecutedNotebook(file=file, status=status, cells=[ExecutedCell(
            kind="raw", cell=1, source="(the file is not a readable notebook)")])
    return _bounded(ExecutedNotebook(file=file, status=status), [(c.kind, c.source) for c in content], view)


@dataclass
class _Room:
    text: int = MAX_OUTPUT_TEXT
    outputs: int = MAX_OUTPUTS

    def kept(self, outputs: list[LocatedBlock]) -> list[LocatedBlock]:
        """The outputs that fit, in order, charged to the room; a note where some did not."""
        kept = []
        for block in outputs:
            size = 0 if block.kind == "image" else len(block.text)
            if self.outputs > 0 and size <= self.text:
                kept.append(block)
                self.outputs, self.text = self.outputs - 1, self.text - size
        if len(kept) < len(outputs):
            kept.append(LocatedBlock(kind="output", cell=outputs[0].cell, text=_CUT))
        return kept


def _bounded(page: ExecutedNotebook, cells: list[tuple[str, str]], run: RunView) -> ExecutedNotebook:
    shown: list[ExecutedCell] = []
    source_room, room = MAX_SOURCE, _Room()
    for index, (kind, source) in enumerate(cells[:MAX_CELLS]):
        body, cut = source[:MAX_CELL_SOURCE], len(source) > MAX_CELL_SOURCE
        if len(body) > source_room:
            break
        source_room -= len(body)
        kept = room.kept(output_blocks(index, run) if kind == "code" else [])
        cell = ExecutedCell(kind=kind if kind in ("markdown", "code") else "raw", cell=index + 1,
                            source=body, truncated=cut, outputs=kept)
        shown.append(cell)
    return page.model_copy(update={"cells": shown, "omitted": len(cells) - len(shown)})
