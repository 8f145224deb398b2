"""A located answer as HTML: the one rendering the review pages, the service's review page and
any other view share (``located.html.j2``).

All of it is student text. Markdown is rendered with raw HTML off, images off (no remote
fetches) and links kept only for http(s) and mailto; code and outputs are escaped text; figures
are PNG ``data:`` URIs of checked base64. The number of blocks, figures and characters shown is
bounded again here, whatever the report holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup

from grader.report.located import Located, LocatedBlock
from grader.report.writers.templates import template

MAX_BLOCKS = 60
MAX_IMAGES = 12
MAX_CHARS = 20_000
MAX_MARKDOWN = 40_000  # characters rendered as Markdown per answer (up to 15 µs each); the rest as text
MAX_IMAGE_CHARS = 4_000_000
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_LINKS = ("http://", "https://", "mailto:", "#")
HOW = {"tag": "found by its tag", "heading": "found under its heading",
       "not_located": "not located", "not_a_notebook": "not a notebook"}


@dataclass(frozen=True)
class Shown:
    kind: str
    cell: int
    text: str
    html: Markup
    png: str
    truncated: bool


def _link_ok(url: str) -> bool:
    return url.strip().lower().startswith(_LINKS)


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).disable("image")
    md.validateLink = _link_ok  # type: ignore[method-assign]  # javascript:, data:, relative files: text
    return md


def _shown(block: LocatedBlock, markdown: bool) -> Shown:
    text = block.text[:MAX_CHARS]
    cut = block.truncated or len(block.text) > MAX_CHARS
    png = block.png_base64 or ""
    if len(png) > MAX_IMAGE_CHARS or not _BASE64.fullmatch(png):
        png, cut = "", True
    html = Markup(_markdown().render(text)) if block.kind == "markdown" and markdown else Markup("")
    return Shown(block.kind, block.cell, text, html, png, cut)


def render_blocks(blocks: Sequence[LocatedBlock], *, max_blocks: int = MAX_BLOCKS,
                  max_images: int = MAX_IMAGES, markdown: int = MAX_MARKDOWN) -> tuple[list[Shown], int]:
    """The blocks to show, bounded (``markdown``: characters rendered as Markdown in all, the
    rest shown as text), and how many were left out."""
    shown: list[Shown] = []
    images = 0
    for block in blocks[:max_blocks]:
        if block.png_base64:
            images += 1
            if images > max_images:
                continue
        size = min(len(block.text), MAX_CHARS) if block.kind == "markdown" else 0
        shown.append(_shown(block, size <= markdown))
        markdown -= size if size <= markdown else 0
    return shown, len(blocks) - len(shown)


def shown_blocks(located: Located) -> tuple[list[Shown], int]:
    """The blocks of an answer to show and how many were left out (here, or already in the report)."""
    shown, left_out = render_blocks(located.blocks)
    return shown, left_out + located.omitted


def located_html(located: Located | None, submission: str | None = None,
                 link_text: str = "the executed notebook") -> Markup:
    """The answer as found (or why there is none), with a link to the whole submission."""
    blocks, left_out = shown_blocks(located) if located else ([], 0)
    return Markup(template("located.html.j2").render(located=located, blocks=blocks, left_out=left_out,
                                                      how=HOW, submission=submission, link_text=link_text))
