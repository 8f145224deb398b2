"""Cell bookkeeping shared by the script and notebook paths of the driver."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import signal
from collections.abc import Iterator
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_MARK = re.compile(r"^# ?%%", re.MULTILINE)
_MAX_TRACEBACK = 4000


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


class CappedText(io.StringIO):
    """A text sink that keeps the first ``cap`` characters and counts the rest."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap, self.dropped = cap, 0

    def write(self, s: str) -> int:
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
