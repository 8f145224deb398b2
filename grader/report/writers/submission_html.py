"""``submission.html``: the graded notebook (or script) as it ran, for the TA and the student.

Built from :class:`ExecutedNotebook` (each cell's source and the outputs of this run, never what
the file saved) with the same block rendering as a located answer (``report/review/render.py``):
Markdown with raw HTML and images off and only http(s)/mailto links, code and outputs as escaped
text, figures as checked PNG ``data:`` URIs. One self-contained page under the Content-Security-
Policy that forbids every script, request and form.

Not nbconvert's HTML exporter: on the inf264 example it took 0.11–0.24 s a page (bleach and
BeautifulSoup over its own output), in the grading process, for every submission, and wrote
290 KB of CSS a page. This renders the same page in milliseconds, and student Markdown has one
renderer (one place to harden) in the feedback, the review pages and here.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.report.executed import ExecutedCell, ExecutedNotebook
from grader.report.located import LocatedBlock
from grader.report.review.render import Shown, render_blocks
from grader.report.writers.templates import template

MAX_MARKDOWN = 60_000  # characters rendered as Markdown on a page (hostile Markdown costs ~10 µs each)


@dataclass(frozen=True)
class _Cell:
    number: int
    kind: str
    blocks: list[Shown]
    left_out: int


def _blocks(cell: ExecutedCell) -> list[LocatedBlock]:
    kind = "markdown" if cell.kind == "markdown" else "code"  # a raw cell is shown as text
    source = LocatedBlock(kind=kind, cell=cell.cell, text=cell.source, truncated=cell.truncated)
    return [source, *cell.outputs]


def render(page: ExecutedNotebook) -> str:
    cells, markdown = [], MAX_MARKDOWN
    for cell in page.cells:
        blocks = _blocks(cell)
        shown, left_out = render_blocks(blocks, max_blocks=len(blocks), max_images=len(blocks),
                                        markdown=markdown)
        markdown -= sum(len(b.text) for b in shown if b.html)
        cells.append(_Cell(cell.cell, cell.kind, shown, left_out))
    return template("submission.html.j2").render(page=page, cells=cells)


def unavailable(page: ExecutedNotebook, exc: Exception) -> str:
    """The page when rendering failed (a grader bug): it says so, and nothing of the student's."""
    empty = page.model_copy(update={"cells": [], "omitted": len(page.cells),
                                     "status": f"{page.status}; the grader could not show it "
                                               f"({type(exc).__name__}): your TA can open the file"})
    return template("submission.html.j2").render(page=empty, cells=[])
