"""``feedback.html``: the same feedback as feedback.md, as one self-contained, printable page.

No JavaScript and no external assets (styles inline), headings and table headers for screen
readers, text marks (✔ ✘ ⚠ …) besides the colours.
"""

from __future__ import annotations

from grader.report import ScoreReport
from grader.report.writers.feedback_md import MARKS, pts, run_line, task_status
from grader.report.writers.templates import template


def render(report: ScoreReport) -> str:
    from grader.report.review.render import located_html  # the TA's review pages show the same

    return template("feedback.html.j2").render(r=report, pts=pts, marks=MARKS, task_status=task_status,
                                               run_line=run_line(report.run).replace("`", ""),
                                               located_html=located_html)
