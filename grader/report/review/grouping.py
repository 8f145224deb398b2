"""Identical or near-identical answers to one point, grouped so a TA scores them at once.

Two answers group when their normalised text (case, white space, quotes and Markdown and
sentence punctuation dropped: "(b)" and "**B**", "z = 0" and "z=0" alike) and their figures
(byte for byte) are the same, and they hold the same score and comment so far. An answer that
was not located stands alone: the TA looks at it in full.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from grader.report.located import Located
from grader.report.review.points import Answer

# Dropped before comparing: white space, Markdown and sentence punctuation, quotes and primes; a
# point between digits stays (2.5 is not 25), and so do operators (x < 0 is not x > 0).
_NOISE = re.compile(r"[\s*_`#~|\[\](){},;:!?\"'\\′’‘“”]+|(?<!\d)\.|\.(?!\d)")


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


def normalised(located: Located) -> str:
    """The answer's text and figures as one comparable key (how it is split in cells aside)."""
    figures = [hashlib.sha256(b.png_base64.encode()).hexdigest() for b in located.blocks if b.png_base64]
    text = unicodedata.normalize("NFKC", " ".join(b.text for b in located.blocks)).casefold()
    return " ".join([_NOISE.sub("", text), *figures]).strip()


def grouped(answers: list[Answer]) -> list[Group]:
    """Groups in the order of their first member; the largest groups are not moved first, so a
    page reads in the same order from run to run."""
    keyed: dict[object, list[Answer]] = {}
    for n, answer in enumerate(answers):
        located = answer.located
        content = normalised(located) if located and located.how in ("tag", "heading") else None
        key = (content, answer.points, answer.comment) if content else n
        keyed.setdefault(key, []).append(answer)
    return [Group(f"g{i}", members) for i, members in enumerate(keyed.values(), 1)]
