"""The headings of a notebook's markdown, and which one a manual point's ``locate.heading`` names.

Matched on words (see :class:`grader.sheet.kinds.Locate`): ``### Task 1.4 (c)``, ``## 1.4. MLP``
and ``**1.4** …`` all start with the words of ``1.4``; ``1.4.1`` and ``11.4`` do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

# '#1.4' too: students write it. The title is trimmed in Python: a lazy title followed by optional
# closing '#'s and blanks backtracks quadratically on a long run of blanks (100k chars: minutes)
_ATX = re.compile(r"^ {0,3}(#{1,6})(?!#)(.*)$")
_BOLD = re.compile(r"^ {0,3}(?:\*\*|__)(.{1,80}?)(?:\*\*|__)")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")  # '1.4.1' is one word, '1.4.' and '(c)' are not part of it
_PREFIX = re.compile(
    r"(?:task|exercise|exercice|question|problem|part|aufgabe|assignment|ex|q)\.?(\d[\w.]*)?")
BOLD_LEVEL = 7  # below ######: a bold line never ends a real heading's section
MAX_SCANNED = 100_000  # characters of one cell searched for headings: a huge cell cannot slow a batch
MAX_HEADINGS = 5_000
MAX_TITLE = 300  # characters of a heading matched and shown: each point reads every title, twice if not found


@dataclass(frozen=True)
class Heading:
    cell: int  # 0-based index in the notebook's cells
    line: int  # 0-based line in the cell's source
    level: int
    title: str

    @cached_property  # each manual point compares every heading's words, twice when not found
    def words(self) -> list[str]:
        return words(self.title)


def words(text: str) -> list[str]:
    """The words a heading is matched on: lower case, no emphasis or punctuation, and a leading
    'Task', 'Exercise', 'Q' … before a number dropped ('Exercise 4b' and 'Q5' are '4b' and '5')."""
    found = _WORD.findall(text.lower())
    if found:
        prefix = _PREFIX.fullmatch(found[0])
        if prefix and prefix.group(1):
            found[0] = prefix.group(1)
        elif prefix and len(found) > 1 and found[1][0].isdigit():
            found = found[1:]
    return found


def scan(cell: int, source: str) -> Iterator[Heading]:
    """The headings of one markdown cell (fenced code blocks skipped)."""
    fenced = False
    for line, text in enumerate(source[:MAX_SCANNED].split("\n")):
        if _FENCE.match(text):
            fenced = not fenced
        elif not fenced and (atx := _ATX.match(text)):
            yield Heading(cell, line, len(atx.group(1)), _atx_title(atx.group(2))[:MAX_TITLE])
        elif not fenced and (bold := _BOLD.match(text)):
            yield Heading(cell, line, BOLD_LEVEL, bold.group(1))


def _atx_title(rest: str) -> str:
    """An ATX heading's title: blanks around it and a closing sequence of '#'s after a blank dropped."""
    title = rest.strip(" \t")
    bare = title.rstrip("#")
    return bare.rstrip(" \t") if bare != title and bare[-1:] in (" ", "\t") else title


def find(headings: Sequence[Heading], label: str) -> tuple[Heading | None, bool]:
    """The first heading that starts with the label's words, else the first that contains them
    (then the second value is True: the heading was probably renamed)."""
    wanted = words(label)
    if not wanted:
        return None, False
    for heading in headings:
        if heading.words[:len(wanted)] == wanted:
            return heading, False
    n = len(wanted)
    for heading in headings:
        have = heading.words
        if any(have[i:i + n] == wanted for i in range(1, len(have) - n + 1)):
            return heading, True
    return None, False


def section_end(headings: Sequence[Heading], start: Heading) -> Heading | None:
    """The next heading of the same or a higher level (None: the section runs to the end)."""
    after = headings[headings.index(start) + 1:]
    return next((h for h in after if h.level <= start.level), None)
