"""``feedback.html``: the same feedback as feedback.md, as one self-contained, printable page.

No JavaScript and no external assets (styles inline), headings and table headers for screen
readers, text marks (✔ ✘ ⚠ …) besides the colours.
"""

from __future__ import annotations

import re
from functools import cache

import jinja2
from markupsafe import Markup, escape

from grader.report import ScoreReport
from grader.writers.feedback_md import MARKS, pts, run_line, task_status


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["code"] = _code
    return env.get_template("feedback.html.j2")


def _code(text: str) -> Markup:
    """Escape, then show `name` spans as code."""
    return Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", str(escape(text))))


def render(report: ScoreReport) -> str:
    return _template().render(r=report, pts=pts, marks=MARKS, task_status=task_status,
                              run_line=run_line(report.run).replace("`", ""))
