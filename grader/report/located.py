"""A manual point's answer as found in a submission: what the TA reads beside the rubric.

Built on the host from the submission's own notebook and the outputs of the run; bounded in
size so that a hostile notebook (huge outputs, thousands of images) cannot bloat a report.
Everything here is student-controlled text: renderers escape it, never trust it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import Field

from grader.frozen import Frozen

LocatedHow = Literal["tag", "heading", "not_located", "not_a_notebook"]
BlockKind = Literal["markdown", "code", "output", "image"]


class LocatedBlock(Frozen):
    kind: BlockKind
    cell: int = Field(description="1-based cell number as the student sees it")
    text: str = Field("", description="markdown or code source, or a text output (bounded)")
    png_base64: str | None = Field(None, description="an image output or figure (kind image), PNG")
    truncated: bool = Field(False, description="the text or image was cut to the size bound")


class Located(Frozen):
    how: LocatedHow
    detail: str = Field(description="how it was found, e.g. \"cells tagged grader:1c-proof\"")
    blocks: list[LocatedBlock] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list,
                             description="what the TA should know: two cells claim the point, …")
    omitted: int = Field(0, ge=0, description="blocks left out to keep the report bounded")
    digest: str = Field("", description=(
        "sha256 of the full sources of the Markdown and code cells shown for the point, before any "
        "size bound (not located: of the whole notebook; a script: of its source). Not of outputs or "
        "figures: they follow from the code, and a regrade may draw them again with other bytes. "
        "Empty in reports made before it was recorded"))


def answer_digest(located: Located | None) -> str:
    """A hash of what the student wrote for the point: ``located.digest``, taken when it was located.
    A report stored before that field existed: the hash of its Markdown and code blocks (text and cut),
    not its outputs and figures, how it was found, its cell numbers or the notes aside; None: the hash
    of no blocks."""
    if located is not None and located.digest:
        return located.digest
    written = [b for b in (located.blocks if located else []) if b.kind in ("markdown", "code")]
    blocks = [b.model_dump(include={"kind", "text", "truncated"}) for b in written]
    text = json.dumps(blocks, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
