"""Student text made inert for each place the grader writes it: one place for the rules.

Anything a student controls (the submission's name, exception messages, printed output, answer
values rendered as text, tracebacks) is hostile input. Each function here takes such text and
returns it fit for one destination: a spreadsheet cell (:func:`csv_cell`), Markdown
(:func:`md_code`, :func:`md_block`, :func:`md_text`, :func:`md_message`), a terminal or any
plain-text view (:func:`plain`, :func:`one_line`).
"""

from __future__ import annotations

import html
import re

# ESC sequences: CSI (colours, cursor moves, screen clears), OSC/DCS/SOS/PM/APC strings (window
# titles, hyperlinks, clipboard) up to their terminator, then any other two-character escape.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[ -~]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Markdown punctuation that can start inline structure anywhere in a line (emphasis, links,
# images, code, strike-through, table cells, heading closers, backslash escapes themselves).
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~!#])")


def plain(text: str) -> str:
    """Text a terminal shows as text: no escape sequences, control characters or bidi overrides.

    Newlines and tabs stay (a traceback keeps its lines); a carriage return becomes a newline, so
    a line cannot be overwritten in place."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def one_line(text: str) -> str:
    """:func:`plain` on one line: newlines and tabs become spaces, runs of spaces one."""
    return " ".join(plain(text).split())


def csv_cell(text: str) -> str:
    """A spreadsheet cell that cannot be a formula (OWASP CSV injection): a leading ``=``, ``+``,
    ``-``, ``@``, tab or CR gets a ``'`` in front, unless the cell is a number (``-0.5`` stays)."""
    if not text.startswith(_CSV_TRIGGERS) or _is_number(text):
        return text
    return "'" + text


def csv_value(cell: str) -> str:
    """What :func:`csv_cell` was given: its ``'`` dropped again, when it put one there."""
    return cell[1:] if cell.startswith("'") and csv_cell(cell[1:]) == cell else cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text == text.strip()


def md_code(text: str) -> str:
    """An inline code span holding exactly ``text`` on one line."""
    return _span(one_line(text))


def _span(content: str) -> str:
    # CommonMark: the fence is one backtick longer than the longest backtick run inside; content
    # that starts or ends with a backtick or a space is padded with a space on each side, and
    # one is stripped from each side when rendered.
    if not content.strip(" "):
        return "` `"
    fence = "`" * (_longest_run(content, "`") + 1)
    pad = " " if content[0] in "` " or content[-1] in "` " else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def md_block(text: str) -> list[str]:
    """A fenced code block holding ``text`` (multi-line: tracebacks, logs), as lines. The fence
    is longer than any backtick or tilde run inside, so no line of ``text`` can close it."""
    body = plain(text)
    fence = "`" * max(3, _longest_run(body, "`") + 1, _longest_run(body, "~") + 1)
    return [fence, *body.split("\n"), fence]


def md_text(text: str) -> str:
    """Free text inside a Markdown line: one line, HTML-significant characters as entities,
    inline punctuation backslash-escaped, so it renders as the same characters and nothing else."""
    return _escape(one_line(text))


def _escape(text: str) -> str:
    return _MD_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False))


def md_message(text: str) -> str:
    """Grader sentences quoting names and values in backticks (`` `dL_dw1`: got 1 ``): each
    backtick-quoted part becomes a code span, the rest :func:`md_text`. Whatever a student put
    inside (backticks included) ends up in one or the other, so all of it is inert."""
    parts = one_line(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: it and what follows are text
        parts[-2:] = ["`".join(parts[-2:])]
    return "".join(_span(p) if i % 2 else _escape(p) for i, p in enumerate(parts))


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(f"{re.escape(char)}+", text)
    return max(map(len, runs), default=0)
