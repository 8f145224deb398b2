"""Solution markers in a reference cell's source: what the handout keeps of it.

Lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` (each alone on its line, any indentation)
are the solution: the handout replaces them by ``...`` at the indentation of the BEGIN line,
preceded by the ``# YOUR CODE HERE`` line if the block holds one. Blocks do not nest.
A marker is recognised however it is spelt (``#begin solution``, nbgrader's ``### BEGIN
SOLUTION``, ``# BEGIN SOLUTION (task 2)``): a near miss taken for a comment would hand the
solution out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
YOUR_CODE = "# YOUR CODE HERE"
_MARKER = re.compile(r"#+\s*(BEGIN|END)\s*SOLUTION", re.IGNORECASE)


class MarkerError(ValueError):
    """The markers of one cell do not pair up (the message names the lines)."""


@dataclass(frozen=True)
class Stripped:
    source: str
    blocks: int  # solution blocks replaced by "..."


def marker_lines(source: str) -> list[int]:
    """1-based numbers of the lines that are a BEGIN or END marker."""
    return [n for n, line in enumerate(source.splitlines(), 1) if _marker(line)]


def _marker(line: str) -> str | None:
    """BEGIN or END when the line is such a marker, however spelt; None for any other line."""
    match = _MARKER.match(line.strip())
    return None if match is None else {"BEGIN": BEGIN, "END": END}[match[1].upper()]


def strip_solutions(source: str) -> Stripped:
    """The source with every solution block replaced; MarkerError if the markers do not pair up."""
    kept: list[str] = []
    opened: int | None = None  # line number of the open BEGIN
    indent, prompt = "", False
    blocks = 0
    for n, line in enumerate(source.splitlines(), 1):
        marker = _marker(line)
        if marker == BEGIN:
            if opened is not None:
                raise MarkerError(f"line {n}: {BEGIN} inside the block opened at line {opened} "
                                  f"(blocks do not nest; close it with {END} first)")
            opened, indent, prompt = n, line[:len(line) - len(line.lstrip())], False
        elif marker == END:
            if opened is None:
                raise MarkerError(f"line {n}: {END} without a {BEGIN} before it")
            kept += [indent + YOUR_CODE] * prompt + [indent + "..."]
            opened, blocks = None, blocks + 1
        elif opened is None:
            kept.append(line)
        elif line.strip() == YOUR_CODE:
            prompt = True
    if opened is not None:
        raise MarkerError(f"line {opened}: {BEGIN} is never closed by an {END}")
    trailing = "\n" if source.endswith("\n") else ""
    return Stripped("\n".join(kept) + trailing, blocks)
