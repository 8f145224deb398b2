"""Identical or near-identical answers to one point, grouped so a TA scores them at once.

Two answers group when their normalised text (case, white space between symbols, quotes and
Markdown and sentence punctuation dropped: "(b)" and "**B**", "z = 0" and "z=0" alike; words
stay apart: "1, 2" is not "12"; brackets around a comma stay: "(0, 1)" is not "[0, 1]") and
their figures (byte for byte) are the same, and they hold the same score and comment so far (and
the same score of an earlier answer, if any: the page shows the group's first). An
answer that was not located, or was cut to the size bound, stands alone: the TA looks at it in
full (what was cut may differ).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from grader.report.located import Located
from grader.report.review.points import Answer

# The text as tokens: words (a point between digits stays: 2.5 is not 25) and single symbols;
# '_' and white space only separate. Markdown and sentence punctuation, quotes and primes are
# dropped; operators stay (x < 0 is not x > 0, x != 0 is not x = 0).
_TOKEN = re.compile(r"[^\W_]+(?:\.\d+)*|!=|[^\w\s]")
_NOISE = frozenset("*`#~|[](){},;:!?\"'\\′’‘“”.")
# Brackets around a comma are an interval or a tuple: kept ((0, 1) is not [0, 1]), as other symbols
_LISTED = re.compile(r"([(\[])([^()\[\]]*,[^()\[\]]*)([)\]])")
_KEPT = {"(": "⦅", "[": "⟦", ")": "⦆", "]": "⟧"}


@dataclass(frozen=True)
class Group:
    id: str  # g1, g2, … in page order
    answers: list[Answer]

    @property
    def first(self) -> Answer:
        return self.answers[0]

    @property
    def students(self) -> list[str]:
        return [a.student for a in self.answers]


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _LISTED.sub(lambda m: _KEPT[m[1]] + m[2] + _KEPT[m[3]], text)
    return [t for t in _TOKEN.findall(text) if t not in _NOISE]


def normalised(located: Located) -> str:
    """The answer's text and figures as one comparable key (how its markdown is split in cells
    aside). Code and what the run showed are marked as such ('<output>' is no token of any text):
    a typed 'accuracy 0.95' is not one the run printed."""
    figures = [hashlib.sha256(b.png_base64.encode()).hexdigest() for b in located.blocks if b.png_base64]
    tokens = [t for b in located.blocks
              for t in ([] if b.kind == "markdown" else [f"<{b.kind}>"]) + _tokens(b.text)]
    return " ".join([*tokens, *figures])


def _content(located: Located | None) -> str | None:
    """The key of an answer located in full (None: it stands alone)."""
    if located is None or located.how not in ("tag", "heading") or located.omitted:
        return None
    return None if any(b.truncated for b in located.blocks) else normalised(located)


def grouped(answers: list[Answer]) -> list[Group]:
    """Groups in the order of their first member; the largest groups are not moved first, so a
    page reads in the same order from run to run."""
    keyed: dict[object, list[Answer]] = {}
    for n, answer in enumerate(answers):
        content = _content(answer.located)
        key = (content, answer.points, answer.comment, answer.earlier) if content else n
        keyed.setdefault(key, []).append(answer)
    return [Group(f"g{i}", members) for i, members in enumerate(keyed.values(), 1)]
