"""Expected values a handout shows: a leak no check sees (a printed value earns no point).

The lock's expected answers (:meth:`grader.sheet.lock.SheetLock.decoded`) are looked for in

- the source of every code cell of the handout (kept code can print or rename a value:
  ``print('y_hat should be 0.6225')``),
- what is left of an emptied Markdown cell (its kept headings), and
- every output of the handout's own run (its saved outputs are cleared when it is made).

Markdown and raw cells handed out as they are are the task statement and are not searched: the
statement may give numbers an answer also has (a given ``x = 2.5`` that a ``value`` check reads
back). A value the author adds in such a cell is therefore not found.

What counts: a number written with at least :data:`MIN_DIGITS` significant digits (leading and
trailing zeros do not count: ``0.500``, ``100`` and ``1e-3`` are trivial) that rounds the
same as an expected number at the precision it is written with (``0.6225`` for 0.62245933);
and an expected string of more than :data:`MIN_CHARS` characters found as it is (case ignored).
Numbers inside arrays, lists and dicts count, up to :data:`MAX_VALUES` per answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from grader.report.executed import ExecutedNotebook

MIN_DIGITS = 3
MIN_CHARS = 5
MAX_VALUES = 10_000  # numbers of one answer compared: a large array is not searched whole
MAX_TEXT = 200_000  # characters of one cell searched
_NUMBER = re.compile(r"(?<![\w.])[-+]?(\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d+))?(?![\w.])")


def leaked(answers: Mapping[str, Any], executed: ExecutedNotebook | None,
           emptied: frozenset[int]) -> list[str]:
    """One line per expected answer the handout shows: the answer's name and the first cell
    (``emptied``: 0-based indices of the handout's emptied cells)."""
    if executed is None:
        return []
    numbers = {name: np.sort(np.array(_numbers(value), dtype=np.float64)) for name, value in answers.items()}
    texts = {name: value.lower() for name, value in answers.items()
             if isinstance(value, str) and len(value) > MIN_CHARS}
    found: dict[str, int] = {}
    for cell in executed.cells:
        searched = cell.kind == "code" or cell.cell - 1 in emptied
        text = "\n".join([cell.source] * searched + [o.text for o in cell.outputs])[:MAX_TEXT]
        written, lowered = list(_written(text)), text.lower()
        for name in answers:
            if name not in found and (any(_near(w, numbers[name]) for w in written)
                                      or (name in texts and texts[name] in lowered)):
                found[name] = cell.cell
    return [f"{name!r} in cell {cell}" for name, cell in found.items()]


def _written(text: str) -> Iterator[tuple[float, float]]:
    """Each non-trivial number written in ``text``, with half a unit of its last digit."""
    for match in _NUMBER.finditer(text):
        mantissa, exponent = match[1], int(match[2] or 0)
        digits = mantissa.replace(".", "").lstrip("0")
        if len(digits.rstrip("0")) < MIN_DIGITS:
            continue
        decimals = len(mantissa.partition(".")[2]) - exponent
        try:
            yield float(match[0]), 0.5 * 10.0 ** -decimals
        except (OverflowError, ValueError):
            continue


def _near(written: tuple[float, float], expected: np.ndarray) -> bool:
    """An expected number (``expected`` sorted) rounds to the written one."""
    value, half = written
    half = max(half * (1 + 1e-9), abs(value) * 1e-12)
    at = int(np.searchsorted(expected, value - half))
    return at < len(expected) and bool(expected[at] <= value + half)


def _numbers(value: Any, depth: int = 0) -> list[float]:
    """The finite numbers of an answer (bounded), booleans excluded."""
    if isinstance(value, bool) or depth > 5:
        return []
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return [number] if math.isfinite(number) else []
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        flat = value.reshape(-1)[:MAX_VALUES].astype(np.float64)
        return [float(v) for v in flat[np.isfinite(flat)]]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    found: list[float] = []
    for item in items:
        found += _numbers(item, depth + 1)
        if len(found) >= MAX_VALUES:
            break
    return found[:MAX_VALUES]
