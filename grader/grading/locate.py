"""Find each manual point's answer in a submission: what the TA reads beside the rubric.

A pure function of the notebook's JSON, the outputs of the run and the sheet. In order: the cells
tagged ``grader:<answer>`` (the handout's tags); else the cells under the heading the sheet's
``locate.heading`` names, up to the next heading of the same or a higher level; else not located,
saying what was tried. The outputs shown are the run's, never those saved in the file (a student
could have typed them). A script is ``not_a_notebook``: its source is shown whole (bounded).

Everything is bounded (text per block, blocks and image bytes per point, bytes per report), so a
notebook of 100k cells, 10k images or 50 MB of output makes a report of a few MB at most.
Each point's ``digest`` (grader.grading.answers) is taken of the full sources it shows, before any
bound, so that a TA's score follows what the student wrote, not what fitted in the report.
Where a stray tag goes: a tag naming no point of the sheet is flagged on the manual point located
nearest before it (else the first), and its cell is shown there too.
"""

from __future__ import annotations

import base64
import bisect
import itertools
import json
import re
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from pathlib import Path
from typing import Any

from grader.grading import answers, headings
from grader.grading.answers import Cell, Hashes, read_cells
from grader.report.located import Located, LocatedBlock
from grader.sandbox.job import CellError, CellOutput, CellOutputs, RunResult
from grader.sheet import Sheet
from grader.sheet.kinds import ManualCheck

TAG = "grader:"
MAX_TEXT = 20_000  # characters of one block
MAX_BLOCKS = 20  # per point
MAX_IMAGES = 1_500_000  # base64 characters of images per point
MAX_REPORT = 4_000_000  # characters of all points' blocks in one report
MAX_STRAY = 20  # stray tags flagged per report
_PNG = re.compile(r"iVBORw0KGgo[A-Za-z0-9+/]*={0,2}")  # base64 of a PNG: its signature, then base64 only
# a PNG of a megabyte can declare 14,000 × 14,000 pixels (zeros compress well): the TA's browser
# would decode 800 MB of it. A figure at 300 dpi is a few million pixels
MAX_PIXELS = 16_000_000


@dataclass
class _Room:
    """What is left of the report's budget, shared by all points."""

    left: int = MAX_REPORT


@dataclass
class _Blocks:
    room: _Room
    blocks: list[LocatedBlock] = field(default_factory=list)
    images: int = 0
    omitted: int = 0

    def add(self, block: LocatedBlock) -> None:
        size = len(block.text) + len(block.png_base64 or "")
        image_ok = block.png_base64 is None or self.images + size <= MAX_IMAGES
        if len(self.blocks) >= MAX_BLOCKS or size > self.room.left or not image_ok:
            self.omitted += 1
            return
        self.blocks.append(block)
        self.room.left -= size
        self.images += len(block.png_base64 or "")


@dataclass(frozen=True)
class GradedFile:
    """The submission's file as it was graded, read and parsed at most once on the host however
    many pages show it (the located answers, the notebook as it ran). Both its text and its cells
    are kept while that one submission is graded (an unreadable notebook is hashed from its text)."""

    path: Path

    @cached_property
    def text(self) -> str:
        return self.path.read_bytes().decode("utf-8", errors="replace")

    @cached_property
    def content(self) -> str | list[Cell] | None:
        """A script's source; a notebook's cells (None: it is not a readable notebook)."""
        if self.path.suffix != ".ipynb":
            return self.text
        try:
            return read_cells(json.loads(self.text))
        except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python recurses
            return None


def bounded(text: str) -> tuple[str, bool]:
    return (text[:MAX_TEXT], True) if len(text) > MAX_TEXT else (text, False)


@dataclass(frozen=True)
class RunView:
    """What the run left of each cell: its outputs and its error, by 0-based cell index."""

    outputs: Mapping[int, Sequence[CellOutput]] = field(default_factory=dict)
    errors: Mapping[int, CellError] = field(default_factory=dict)

    @classmethod
    def of(cls, outputs: Sequence[CellOutputs], errors: Sequence[CellError]) -> RunView:
        return cls({o.cell: o.outputs for o in outputs}, {e.index: e for e in errors})


def _image(index: int, output: CellOutput) -> LocatedBlock:
    """The image, unless its header declares more pixels than a page should decode."""
    head = output.png_base64[:32]  # signature, IHDR length and type, width, height
    header = base64.b64decode(head[:len(head) // 4 * 4])
    width, height = struct.unpack(">II", header[16:24]) if header[12:16] == b"IHDR" else (0, 0)
    if width * height > MAX_PIXELS:
        return LocatedBlock(kind="output", cell=index + 1,
                            text=f"[an image of {width} × {height} pixels: too large to show]")
    return LocatedBlock(kind="image", cell=index + 1, png_base64=output.png_base64,
                        truncated=output.truncated)


def output_blocks(index: int, run: RunView) -> list[LocatedBlock]:
    """What cell ``index`` showed when it ran, and its error; an image only if it is a PNG."""
    blocks = []
    for o in run.outputs.get(index, ()):
        if o.kind == "image" and _PNG.fullmatch(o.png_base64):
            blocks.append(_image(index, o))
        elif o.kind == "text":
            shown, cut = bounded(o.text)
            blocks.append(LocatedBlock(kind="output", cell=index + 1, text=shown,
                                       truncated=cut or o.truncated))
    if (error := run.errors.get(index)) is not None:
        message = f"{error.ename}: {error.evalue}"[:MAX_TEXT]
        blocks.append(LocatedBlock(kind="output", cell=index + 1, text=message))
    return blocks


def _cell_blocks(out: _Blocks, index: int, cell: Cell, run: RunView, text: str | None = None) -> None:
    """One cell as blocks: its markdown (or ``text``, a slice of it), or its code and what it showed."""
    body, cut = bounded(cell.source if text is None else text)
    if cell.kind != "code":
        if body.strip():
            out.add(LocatedBlock(kind="markdown", cell=index + 1, text=body, truncated=cut))
        return
    out.add(LocatedBlock(kind="code", cell=index + 1, text=body, truncated=cut))
    for block in output_blocks(index, run):
        out.add(block)


def _by_tag(check: ManualCheck, cells: list[Cell], run: RunView, room: _Room,
            hashes: Hashes) -> Located | None:
    tag = TAG + check.answer
    tagged = [i for i, c in enumerate(cells) if tag in c.tags]
    if not tagged:
        return None
    out = _Blocks(room)
    for i in tagged:
        _cell_blocks(out, i, cells[i], run)
    flags = []
    for kind in ("markdown", "code"):  # a handout tags one text and one code cell at most
        same = [i for i in tagged if cells[i].kind == kind]
        if len(same) > 1:
            numbers = ", ".join(str(i + 1) for i in same[:10])
            flags.append(f"{len(same)} {kind} cells carry the tag {tag} (cells {numbers}): all are shown")
    where = f"cell {tagged[0] + 1}" if len(tagged) == 1 else f"{len(tagged)} cells"
    return Located(how="tag", detail=f"{where} tagged {tag}", blocks=out.blocks, flags=flags,
                   omitted=out.omitted, digest=hashes.digest((i, None) for i in tagged))


def _by_heading(check: ManualCheck, cells: list[Cell], found: Sequence[headings.Heading], run: RunView,
                room: _Room, hashes: Hashes) -> Located | None:
    if check.locate is None:
        return None
    start, renamed = headings.find(found, check.locate.heading)
    if start is None:
        return None
    end = headings.section_end(found, start)
    section = list(_section(cells, start, (end.cell, end.line) if end else (len(cells), 0)))
    out = _Blocks(room)
    for i, text in section:
        if len(out.blocks) >= MAX_BLOCKS:
            out.omitted += 1  # counted per cell past the bound: the loop stays short
            break
        _cell_blocks(out, i, cells[i], run, text)
    title = start.title.strip()[:200]
    flags = [f"no heading starts with “{check.locate.heading}”: shown under the heading “{title}”, "
             "which mentions it (renamed?)"] if renamed else []
    return Located(how="heading", detail=f"the cells under the heading “{title}” (cell {start.cell + 1})",
                   blocks=out.blocks, flags=flags, omitted=out.omitted,
                   digest=hashes.digest(section))


def _section(cells: list[Cell], start: headings.Heading,
             stop: tuple[int, int]) -> Iterator[tuple[int, str | None]]:
    """Each cell from the heading ``start`` to ``stop`` (cell, line): (index, None) for a whole cell,
    (index, its lines within the section) for the markdown cell of either heading."""
    for i in range(start.cell, min(stop[0] + 1, len(cells))):
        if cells[i].kind == "code":
            if i == stop[0]:
                return
            yield i, None
            continue
        first = start.line if i == start.cell else 0
        last = stop[1] if i == stop[0] else None
        yield i, "\n".join(cells[i].source.split("\n")[first:last]) if first or last is not None else None


def _not_located(check: ManualCheck, found: Sequence[headings.Heading], everything: str) -> Located:
    """Not found: the TA reads the whole notebook, so its digest is ``everything``'s, all the cells'."""
    tried = f"no cell is tagged {TAG}{check.answer}"
    if check.locate is not None:
        titles = [f"“{h.title.strip()[:60]}”" for h in found if h.level < headings.BOLD_LEVEL]
        seen = "; ".join(titles[:12])
        tried += f" and no heading names “{check.locate.heading}” (headings: {seen or 'none'})"
    return Located(how="not_located", detail=tried + ": see the whole notebook", digest=everything)


def locate_notebook(checks: Sequence[ManualCheck], notebook: Any, run: RunView,
                    known: Sequence[str] = ()) -> dict[str, Located]:
    """Each manual check's answer in this notebook (its JSON); ``known`` are all answer names of
    the sheet (a tag naming one of them is no stray tag)."""
    return _locate_cells(checks, read_cells(notebook), run, known)


def _locate_cells(checks: Sequence[ManualCheck], cells: list[Cell] | None, run: RunView,
                  known: Sequence[str]) -> dict[str, Located]:
    if cells is None:
        return _unreadable(checks)
    found: list[headings.Heading] = []
    for i, cell in enumerate(cells):
        if cell.kind == "markdown" and len(found) < headings.MAX_HEADINGS:
            found.extend(headings.scan(i, cell.source))
    names = {*known, *(c.answer for c in checks)}
    room, handout = _Room(), any(t[len(TAG):] in names for c in cells for t in c.tags if t.startswith(TAG))
    hashes = Hashes(cells)
    everything = cache(partial(hashes.digest, [(i, None) for i in range(len(cells))]))  # only if needed
    located: dict[str, Located] = {}
    for check in checks:
        by_tag = _by_tag(check, cells, run, room, hashes)
        result = (by_tag or _by_heading(check, cells, found, run, room, hashes)
                  or _not_located(check, found, everything()))
        if by_tag is None and handout and result.how == "heading":
            lost = f"no cell carries the tag {TAG}{check.answer}, which the handout had: found by heading"
            result = result.model_copy(update={"flags": [*result.flags, lost]})
        located[check.answer] = result
    return _stray_tags(located, cells, run, room, names, hashes)


def _first_cell(located: Located) -> int:
    return located.blocks[0].cell - 1 if located.blocks else -1


def _stray_tags(located: dict[str, Located], cells: list[Cell], run: RunView, room: _Room,
                known: set[str], hashes: Hashes) -> dict[str, Located]:
    """A tag naming no point: flagged (and its cell shown) on the point located nearest before it."""
    if not located:
        return located
    order = sorted((_first_cell(v), k) for k, v in located.items())
    starts = [cell for cell, _ in order]
    stray = ((i, tag) for i, cell in enumerate(cells) for tag in cell.tags
             if tag.startswith(TAG) and tag[len(TAG):] not in known)
    for i, tag in itertools.islice(stray, MAX_STRAY):
        name = order[max(0, bisect.bisect_right(starts, i) - 1)][1]
        point = located[name]
        out = _Blocks(room, list(point.blocks))
        _cell_blocks(out, i, cells[i], run)
        flag = (f"cell {i + 1} is tagged {tag[:80]!r}, which names no point of this sheet: "
                "shown here, the point located nearest before it")
        digest = hashes.extended(point.digest, i)
        located[name] = point.model_copy(update={"blocks": out.blocks, "omitted": point.omitted + out.omitted,
                                                 "flags": [*point.flags, flag], "digest": digest})
    return located


def locate_script(checks: Sequence[ManualCheck], source: str) -> dict[str, Located]:
    """A script has no cells to tag and no markdown: its whole source, bounded, for every point."""
    body, cut = bounded(source)
    block = LocatedBlock(kind="code", cell=1, text=body, truncated=cut)
    detail, digest = "a script, not a notebook: its whole source is shown", answers.script_digest(source)
    return {c.answer: Located(how="not_a_notebook", detail=detail, blocks=[block], digest=digest)
            for c in checks}


def locate_file(sheet: Sheet, graded: GradedFile, run: RunResult) -> dict[str, Located]:
    """Each manual point's answer in the submission's file as it was graded, with ``run``'s outputs."""
    checks = [c for _, c in sheet.spec.checks() if isinstance(c, ManualCheck)]
    if not checks:
        return {}  # the file is not read
    content = graded.content
    if isinstance(content, str):
        return locate_script(checks, content)
    if content is None:  # the TA reads the file as it is: two unreadable files are two answers
        return _unreadable(checks, answers.script_digest(graded.text))
    return _locate_cells(checks, content, RunView.of(run.outputs, run.cell_errors),
                         known=sheet.spec.answer_names())


def _unreadable(checks: Sequence[ManualCheck], digest: str = "") -> dict[str, Located]:
    return {c.answer: Located(how="not_located", detail="the notebook could not be read", digest=digest)
            for c in checks}
