"""What a student wrote in a notebook: its cells read from the JSON, and the digest of an answer.

A version 3 notebook (IPython 2/3: its cells under ``worksheets``) is read as version 4, as the
harness runs it (grader/harness/lean.py), so cell numbers agree with the run's.
The digest of an answer is taken of the full sources of the cells the TA reads for it, before any
size bound of the report: a change past a cut, or a block another point's figures pushed out of the
report, is a change; a regrade that draws figures again with other bytes is none. Each cell is
hashed once however many points show it, so the work is the notebook's size at most.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from grader.harness.cells import as_v4


@dataclass
class Cell:
    kind: str
    source: str
    tags: list[str]


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def read_cells(notebook: Any) -> list[Cell] | None:
    """The cells of a notebook's JSON, whatever their shape (None: it has no list of cells)."""
    notebook = as_v4(notebook)  # as the harness runs it: the cell numbers are the run's
    raw = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(raw, list):
        return None
    cells = []
    for c in raw:
        c = c if isinstance(c, dict) else {}
        meta = c.get("metadata")
        tags = meta.get("tags") if isinstance(meta, dict) else None
        cells.append(Cell(str(c.get("cell_type", "")), _text(c.get("source")),
                          [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []))
    return cells


def _cell_hash(kind: str, text: str) -> bytes | None:
    """A cell as the report shows it: code as code, any other cell as Markdown, a blank one not at all."""
    if kind != "code" and (not text or text.isspace()):
        return None
    shown = b"code" if kind == "code" else b"markdown"
    # surrogatepass: a JSON string may escape a lone surrogate, which plain UTF-8 cannot encode
    return hashlib.sha256(shown + b"\0" + text.encode("utf-8", "surrogatepass")).digest()


@dataclass
class Hashes:
    """The hash of each cell of a notebook, taken once however many points show it: a hostile
    notebook's cells may each carry every point's tag, or every point name the same heading."""

    cells: list[Cell]
    _done: dict[int, bytes | None] = field(default_factory=dict)

    def _cell(self, index: int, text: str | None) -> bytes | None:
        if text is not None:  # a slice of the cell (a section's first or last lines): not shared
            return _cell_hash(self.cells[index].kind, text)
        if index not in self._done:
            self._done[index] = _cell_hash(self.cells[index].kind, self.cells[index].source)
        return self._done[index]

    def digest(self, shown: Iterable[tuple[int, str | None]]) -> str:
        """The digest of an answer: these cells in order, (index, the text shown if not the whole source)."""
        total = hashlib.sha256(b"answer")
        for index, text in shown:
            total.update(self._cell(index, text) or b"")
        return total.hexdigest()

    def extended(self, earlier: str, index: int) -> str:
        """The digest of an answer (``earlier``, its digest) shown with one more cell (a stray tag's)."""
        more = self._cell(index, None) or b""
        return hashlib.sha256(b"answer+" + bytes.fromhex(earlier) + more).hexdigest()


def script_digest(source: str) -> str:
    """The digest of a script's every point: its whole source."""
    return Hashes([Cell("code", source, [])]).digest([(0, None)])
