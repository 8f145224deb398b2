"""Cell bookkeeping shared by the script and notebook paths of the driver."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import re
import signal
from collections.abc import Iterator
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_MARK = re.compile(r"^# ?%%", re.MULTILINE)
_MAX_TRACEBACK = 4000
# the cells' outputs kept for the TA: as grader/sandbox/job.py validates them
OUTPUT_BUDGET = 3 * 2**20  # JSON characters for all cells
MAX_TEXT = 20_000
MAX_PNG = 1_000_000
MAX_PER_CELL = 20


# Front ends name a cell's code differently (ipykernel: /tmp/…/4011124174.py, IPython:
# <ipython-input-2-…>); the student knows the cell number, which the report gives anyway.
_CELL_FILE = re.compile(r"\((?:[^()]*/)?(?:\d+\.py|<ipython-input-[^>]*>), line (\d+)\)")


class CellTimeout(BaseException):
    """Raised in student code that runs past its cell's time limit (not an Exception: a bare
    ``except Exception`` in the cell cannot swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float, raising: type[BaseException] = CellTimeout) -> Iterator[None]:
    """Raise ``raising`` in the main thread after ``seconds``; restores the previous handler."""
    def _raise(signum: int, frame: Any) -> None:
        raise raising

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timeout_error(index: int, limit: float) -> dict[str, Any]:
    return cell_error(index, "timeout", "CellTimeout", f"cell ran longer than {limit:.0f} s", "")


def cell_error(index: int, kind: str, ename: str, evalue: str, tb: str) -> dict[str, Any]:
    evalue = _CELL_FILE.sub(r"(line \1)", evalue)
    return {"index": index, "kind": kind, "ename": ename[:200], "evalue": evalue[:1000],
            "traceback": _ANSI.sub("", tb)[-_MAX_TRACEBACK:]}


class OutputLog:
    """Each cell's outputs as the TA will see them (text and PNGs), earlier cells first.

    Bounded as grader/sandbox/job.py validates: per text, per image, per cell, and a budget of
    JSON characters for the whole run, so outputs can never fill the result frame (8 MiB)."""

    def __init__(self, budget: int = OUTPUT_BUDGET) -> None:
        self.cells: list[dict[str, Any]] = []
        self.room, self.cut = budget, 0
        self._items: list[dict[str, Any]] = []
        self._cell = -1

    def start(self, index: int) -> None:
        self.finish()
        self._cell, self._items = index, []

    def text(self, name: str, text: str) -> None:
        last = self._items[-1] if self._items else None
        if last is not None and last["kind"] == "text" and last["name"] == name:
            room = MAX_TEXT - last["size"]
            if room > 0:
                last["parts"].append(text[:room])
                last["size"] += len(text[:room])
            last["truncated"] = last["truncated"] or len(text) > room
        elif text:
            self._add({"kind": "text", "name": name, "parts": [text[:MAX_TEXT]],
                       "size": len(text[:MAX_TEXT]), "truncated": len(text) > MAX_TEXT})

    def data(self, bundle: Any, name: str) -> None:
        """A display or a cell's result: its PNG if it has one, else its text/plain."""
        if not isinstance(bundle, dict):
            return
        png, plain = bundle.get("image/png"), bundle.get("text/plain")
        if isinstance(png, str):
            self.image(png.replace("\n", ""))
        elif isinstance(plain, str):
            self.text(name, plain)
        elif isinstance(plain, list):  # a kernel sends any JSON: a display must not raise in the cell
            self.text(name, "".join(p for p in plain if isinstance(p, str)))

    def image(self, png_base64: str) -> None:
        if len(png_base64) > MAX_PNG:
            self.text("display", f"[an image of {len(png_base64) * 3 // 4} bytes: too large to keep]\n")
        else:
            self._add({"kind": "image", "name": "display", "png_base64": png_base64})

    def _add(self, item: dict[str, Any]) -> None:
        if self._cell < 0 or len(self._items) >= MAX_PER_CELL:
            self.cut += 1
        else:
            self._items.append(item)

    def finish(self) -> None:
        """Charge the cell's outputs to the budget, in order; what does not fit is cut (and said)."""
        kept = []
        for item in self._items:
            out = {"kind": item["kind"], "name": item["name"],
                   "text": "".join(item.get("parts", ())), "png_base64": item.get("png_base64", ""),
                   "truncated": item.get("truncated", False)}
            cost = len(json.dumps(out["text"])) + len(out["png_base64"]) + 100
            if cost > self.room:
                self.cut += 1
                continue
            self.room -= cost
            kept.append(out)
        if kept:
            self.cells.append({"cell": self._cell, "outputs": kept})
        self._items = []

    def result(self) -> dict[str, Any]:
        """What the result frame carries; anything shown later (the answers' reading) is not kept."""
        self.finish()
        self._cell = -1
        return {"outputs": self.cells, "outputs_cut": self.cut}


class CappedText(io.StringIO):
    """A text sink that keeps the first ``cap`` characters and counts the rest; everything written
    also goes to the cell's outputs in ``log`` (bounded there on its own)."""

    def __init__(self, cap: int, log: OutputLog | None = None, name: str = "") -> None:
        super().__init__()
        self.cap, self.dropped = cap, 0
        self.log, self.name = log, name

    def write(self, s: str) -> int:
        if self.log is not None:
            self.log.text(self.name, s)
        room = self.cap - self.tell()
        if room > 0:
            super().write(s[:room])
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self) -> str:
        note = f"\n[... {self.dropped} more characters not kept]" if self.dropped else ""
        return self.getvalue() + note


def split_script(source: str) -> list[tuple[int, str]]:
    """Cells of a script as (first line number, code); one cell when there are no markers."""
    starts = [0] + [source.count("\n", 0, m.start()) for m in _CELL_MARK.finditer(source)]
    lines = source.splitlines(keepends=True)
    bounds = [*sorted(set(starts)), len(lines)]
    return [(a, "".join(lines[a:b])) for a, b in itertools.pairwise(bounds) if "".join(lines[a:b]).strip()]


def as_v4(notebook: Any) -> Any:
    """An IPython 2/3 notebook (nbformat 3, cells in worksheets) as version 4, as nbclient reads it;
    any other JSON unchanged, and a version 3 one nbformat cannot read too (it then has no cells)."""
    if not (isinstance(notebook, dict) and notebook.get("nbformat") == 3):
        return notebook
    import nbformat  # only for these old files: the usual notebook does not pay for the import

    try:
        return nbformat.reads(json.dumps(notebook), as_version=4)
    except Exception:  # nbformat raises several types; the caller then says what is missing
        return notebook
