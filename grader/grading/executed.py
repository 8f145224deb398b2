"""The submission as it ran (grader.report.executed): its cells with the run's own outputs.

Bounded like the located answers: a cell's source to 20,000 characters, 2,000 cells, 4 million
characters of source in all; outputs are already bounded by the harness (3 MiB).
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.grading.locate import RunView, bounded, output_blocks, read_cells
from grader.harness.cells import split_script
from grader.report.executed import ExecutedCell, ExecutedNotebook
from grader.sandbox.job import RunResult

MAX_CELLS = 2_000
MAX_SOURCE = 4_000_000


def executed_notebook(path: Path, file: str, run: RunResult) -> ExecutedNotebook:
    """``path``, the graded file (``file`` as the student names it), with what ``run`` showed."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    status = run.status + (f": {run.message[:300]}" if run.message else "")
    view = RunView.of(run.outputs, run.cell_errors)
    if path.suffix != ".ipynb":  # the harness's cells of a script: numbered in order
        cells = [("code", code) for _, code in split_script(text)]
        return _bounded(ExecutedNotebook(file=file, script=True, status=status), cells, view)
    try:
        read = read_cells(json.loads(text))
    except ValueError:
        read = None
    if read is None:
        return ExecutedNotebook(file=file, status=status, cells=[ExecutedCell(
            kind="raw", cell=1, source="(the file is not a readable notebook)")])
    return _bounded(ExecutedNotebook(file=file, status=status), [(c.kind, c.source) for c in read], view)


def _bounded(page: ExecutedNotebook, cells: list[tuple[str, str]], run: RunView) -> ExecutedNotebook:
    shown: list[ExecutedCell] = []
    room = MAX_SOURCE
    for index, (kind, source) in enumerate(cells[:MAX_CELLS]):
        body, cut = bounded(source)
        if len(body) > room:
            break
        room -= len(body)
        kind = kind if kind in ("markdown", "code") else "raw"
        outputs = output_blocks(index, run) if kind == "code" else []
        shown.append(ExecutedCell(kind=kind, cell=index + 1, source=body, truncated=cut,
                                  outputs=outputs))
    return page.model_copy(update={"cells": shown, "omitted": len(cells) - len(shown)})
