"""The students' notebook, made from the reference notebook (pure: no file is written, nothing runs).

Per reference cell, in order:

- tagged ``hidden``: dropped (the grader's or the TA's own cells);
- tagged ``solution``: emptied. A code cell becomes ``# YOUR CODE HERE`` and ``...``; a Markdown
  cell gets :data:`ANSWER_HERE` below those of its leading heading lines that are the task's title:
  a heading whose words (:func:`grader.grading.headings.words`) are those of a heading of a cell
  handed out as it is (the question's ``## 4 Which activation…``), or exactly those of a label the
  sheet gives (a task's id or title, a ``locate.heading``: ``## 1b``). Any other heading is dropped
  with the text (``### (b) ReLU`` is an answer written as a heading);
- a code cell: its ``# BEGIN SOLUTION`` … ``# END SOLUTION`` blocks replaced (see
  :mod:`grader.authoring.markers`);
- a Markdown cell with marker lines is refused (tag it ``solution`` instead).

Every code cell loses its outputs and execution count, an emptied cell its attachments (a pasted
image of the solution); the tags ``solution`` and ``hidden`` (in any case) are removed, every other tag
(``grader:<answer>`` locating a manual answer) is kept, as are cell ids. Metadata is kept only
where it cannot carry the author's work: a cell keeps its tags and editable/deletable flags (a
raw cell its format), the notebook gets the kernel grading runs, ``python3`` (the author's kernel
name, Colab's file names, widget state and execution records are dropped). A reference from which
nothing would be removed is refused.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import nbformat
from nbformat import NotebookNode

from grader.authoring.markers import YOUR_CODE, MarkerError, marker_lines, strip_solutions
from grader.grading import headings
from grader.sheet import SheetError

SOLUTION_TAG = "solution"
HIDDEN_TAG = "hidden"
ANSWER_HERE = "_Your answer here._"
CODE_HERE = f"{YOUR_CODE}\n..."
CELL_METADATA = ("tags", "editable", "deletable", "raw_mimetype", "format")  # the last two: raw cells
# the kernel grading runs (grader.harness.nbrun): the reference's own (an author's conda env) would
# leave students' Jupyter asking for a kernel they do not have
KERNEL_METADATA = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}


@dataclass(frozen=True)
class Handout:
    notebook: NotebookNode
    emptied: frozenset[int]  # 0-based indices of the handout's cells that lost solution text
    dropped: int  # hidden cells
    origin: tuple[int, ...] = ()  # per handout cell, the 0-based index of its reference cell


def build_handout(reference: NotebookNode, where: str, labels: Sequence[str] = ()) -> Handout:
    """The handout of ``reference`` (``where`` names it, e.g. the sheet and path, in errors;
    ``labels`` are the headings a solution Markdown cell may keep, see the module)."""
    cells: list[NotebookNode] = []
    emptied: set[int] = set()
    origin: list[int] = []
    dropped = 0
    titles = _titles(reference, labels)
    for number, cell in enumerate(reference.cells, 1):
        tags = _own_tags(cell)
        if HIDDEN_TAG in tags:
            dropped += 1
            continue
        try:
            new, changed = _handout_cell(cell, SOLUTION_TAG in tags, titles)
        except MarkerError as exc:
            raise SheetError(f"{where}: {describe_cell(cell, number)}: {exc}") from None
        if changed:
            emptied.add(len(cells))
        cells.append(new)
        origin.append(number - 1)
    if not emptied and not dropped:
        raise SheetError(f"{where}: no cell is tagged {SOLUTION_TAG!r} or {HIDDEN_TAG!r} and no code "
                         "cell has # BEGIN SOLUTION / # END SOLUTION lines: the handout would be the "
                         "reference itself, nothing would be removed")
    notebook = copy.deepcopy(reference)
    notebook.cells = cells
    notebook.metadata = nbformat.from_dict(KERNEL_METADATA)  # type: ignore[no-untyped-call]
    return Handout(notebook, frozenset(emptied), dropped, tuple(origin))


def _own_tag(tag: object) -> object:
    """A tag as compared with ours: ``Solution`` or `` hidden`` typed in Jupyter's tag box count."""
    return tag.strip().lower() if isinstance(tag, str) else tag


def _own_tags(cell: NotebookNode) -> list[object]:
    return [_own_tag(t) for t in cell.get("metadata", {}).get("tags", [])]


def describe_cell(cell: NotebookNode, number: int) -> str:
    ident = f", id {cell['id']}" if cell.get("id") else ""
    return f"cell {number} ({cell.cell_type}{ident})"


def _titles(reference: NotebookNode, labels: Sequence[str]) -> set[tuple[str, ...]]:
    """The words of the headings a solution Markdown cell may keep."""
    kept = [c for c in reference.cells if c.cell_type == "markdown"
            and not {SOLUTION_TAG, HIDDEN_TAG} & set(_own_tags(c))]
    found = {tuple(h.words) for i, c in enumerate(kept) for h in headings.scan(i, c.source)}
    return found | {tuple(headings.words(label)) for label in labels}


def _handout_cell(cell: NotebookNode, solution: bool,
                  titles: set[tuple[str, ...]]) -> tuple[NotebookNode, bool]:
    """The cell as students get it, and whether solution text was taken out of it."""
    new = copy.deepcopy(cell)
    new.metadata = _kept(new.get("metadata", {}), CELL_METADATA)
    tags = [t for t in new.metadata.get("tags", []) if _own_tag(t) not in (SOLUTION_TAG, HIDDEN_TAG)]
    if "tags" in new.metadata:
        if tags:
            new.metadata["tags"] = tags
        else:
            del new.metadata["tags"]
    if new.cell_type == "code":
        new.outputs, new.execution_count = [], None
    changed = solution
    if solution:
        new.source = CODE_HERE if cell.cell_type == "code" else _answer_here(cell.source, titles)
    elif cell.cell_type == "code":
        stripped = strip_solutions(cell.source)
        new.source, changed = stripped.source, stripped.blocks > 0
    elif marker_lines(cell.source):
        raise MarkerError(f"lines {marker_lines(cell.source)}: solution markers in a "
                          f"{cell.cell_type} cell (tag the cell {SOLUTION_TAG!r} instead)")
    if changed:
        new.pop("attachments", None)
    return new, changed


def _kept(metadata: dict[str, object], keys: tuple[str, ...]) -> NotebookNode:
    kept = {k: v for k, v in metadata.items() if k in keys}
    return cast(NotebookNode, nbformat.from_dict(kept))  # type: ignore[no-untyped-call]


def _answer_here(markdown: str, titles: set[tuple[str, ...]]) -> str:
    lines = markdown.splitlines()
    head = 0
    while head < len(lines) and (lines[head].startswith("#") or not lines[head].strip()):
        head += 1
    kept = [line for line in lines[:head] if line.strip() and _is_title(line, titles)]
    return "\n".join([*kept, ANSWER_HERE])


def _is_title(line: str, titles: set[tuple[str, ...]]) -> bool:
    found = next(headings.scan(0, line), None)
    return found is not None and bool(found.words) and tuple(found.words) in titles


def read_notebook(path: Path, where: str) -> NotebookNode:
    try:
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:  # not UTF-8, not JSON, not a notebook: the reference is broken
        raise SheetError(f"{where}: {path} is not a readable notebook: {exc}") from None
    try:  # the handout is validated when written: an invalid reference is told as such, first
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise SheetError(f"{where}: {path} is not a valid notebook (nbformat {notebook.nbformat}."
                         f"{notebook.nbformat_minor}): {str(exc).splitlines()[0]}") from None
    return cast(NotebookNode, notebook)


def write_notebook(notebook: NotebookNode, path: Path) -> None:
    nbformat.validate(notebook)
    text = nbformat.writes(notebook)  # type: ignore[no-untyped-call]
    path.write_text(text + "\n", encoding="utf-8")
