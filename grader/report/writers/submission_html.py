"""``submission.html``: the graded notebook (or script) as it ran, for the TA and the student.

nbconvert's HTML exporter on a notebook rebuilt from :class:`ExecutedNotebook`, never from the
student's file as such: only sources, and the run's outputs as plain text and PNGs (no HTML or
JavaScript output survives the harness), no metadata, no attachments. Markdown and raw cells
have their HTML tags escaped before nbconvert renders them (its renderer passes raw HTML through), and
the page forbids every script, request and form by its Content-Security-Policy, placed first in
``<head>``; nbconvert's own script loaders (MathJax, require.js) are removed: formulas show as TeX.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from grader.report.executed import ExecutedCell, ExecutedNotebook
from grader.report.writers.templates import CSP

_URL = re.compile(r"""\b(href|src)=("[^"]*"|'[^']*')""", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.IGNORECASE | re.DOTALL)
_SAFE_URL = re.compile(r"(https?:|mailto:|#|data:image/(png|jpeg|gif);)", re.IGNORECASE)
_NOT_IN_SCHEME = re.compile(r"[\x00-\x20]")


def _safe_urls(page: str) -> str:
    """Every link and source that is not http(s), mailto, an anchor or an inline image becomes '#'
    (nbconvert's markdown renderer keeps javascript: links; the policy blocks them, this removes them)."""
    def check(match: re.Match[str]) -> str:
        url = _NOT_IN_SCHEME.sub("", html.unescape(match.group(2)[1:-1]))
        return match.group(0) if _SAFE_URL.match(url) else f'{match.group(1)}="#"'

    return _URL.sub(check, page)


@cache
def _exporter() -> Any:
    import nbconvert  # imported when a page is written: ~0.5 s

    exporter: Any = nbconvert.HTMLExporter
    # not nbconvert's sanitize_html: its allowlist turns the rendered headings and paragraphs into
    # visible tags; the markdown's HTML is escaped here instead (see the module's docstring)
    return exporter(template_name="lab")


def _markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def _outputs(cell: ExecutedCell) -> list[dict[str, Any]]:
    outputs: list[dict[str, Any]] = []
    for block in cell.outputs:
        if block.kind == "image" and block.png_base64:
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": block.png_base64}})
        elif block.text:
            outputs.append({"output_type": "stream", "name": "stdout", "text": block.text})
    return outputs


def _cell(cell: ExecutedCell) -> dict[str, Any]:
    note = "\n\n[cut to the size limit]" if cell.truncated else ""
    if cell.kind == "code":
        source = cell.source + ("\n# [cut to the size limit]" if cell.truncated else "")
        return {"cell_type": "code", "metadata": {}, "execution_count": None, "source": source,
                "outputs": _outputs(cell)}
    if cell.kind == "raw":  # shown as text: a raw cell could carry HTML for the exporter
        return _markdown("\n".join("    " + line for line in (cell.source + note).split("\n")))
    return _markdown(_no_tags(cell.source) + note)


def _no_tags(text: str) -> str:
    """Raw HTML and images in markdown shown as text: an entity is text however a renderer reads
    it, and an escaped bracket starts no image. Attachments are not kept (nbconvert raised on the
    missing one: a pasted screenshot turned the student's report into a grader error) and the
    policy blocks any other image."""
    return text.replace("<", "&lt;").replace("![", "!\\[")


def notebook(page: ExecutedNotebook) -> dict[str, Any]:
    """The notebook (nbformat 4, as JSON) that nbconvert renders."""
    header = f"**{_no_tags(page.file)}** as it ran: {_no_tags(page.status)}"
    cells = [_markdown(header), *(_cell(c) for c in page.cells)]
    if page.omitted:
        cells.append(_markdown(f"[{page.omitted} more cells not shown: the page is bounded]"))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"language_info": {"name": "python"}}}


def render(page: ExecutedNotebook) -> str:
    import nbformat

    from_dict: Any = nbformat.from_dict
    body: str = _exporter().from_notebook_node(from_dict(notebook(page)))[0]
    policy = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    head = body.find("<head>")
    if head < 0:
        raise ValueError("nbconvert's page has no <head>: the security policy has no place to go")
    # every '<' of the student's is escaped: the scripts left are nbconvert's loaders (MathJax,
    # require.js from a CDN), which the policy would block anyway
    return _safe_urls(_SCRIPT.sub("", body[:head + len("<head>")] + policy + body[head + len("<head>"):]))
