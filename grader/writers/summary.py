"""``summary.json`` and ``summary.html``: the class report (see :mod:`grader.summary`).

The HTML carries its charts as inline SVG, so it is one file with no external assets.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.report import ScoreReport
from grader.sheet import Sheet
from grader.summary import ClassSummary, summarize
from grader.writers import charts
from grader.writers.feedback_md import pts
from grader.writers.templates import template


def render_json(sheet: Sheet, reports: Sequence[ScoreReport]) -> str:
    return summarize(sheet, reports).model_dump_json(indent=2) + "\n"


def _charts(summary: ClassSummary) -> tuple[str, str]:
    bins = min(20, max(5, summary.students))
    total = charts.histogram(summary.total.scores, summary.total.max_score, bins,
                             f"total score (of {pts(summary.total.max_score)})")
    graded = [t for t in summary.tasks if t.max_score > 0]
    per_task = charts.bar_chart([t.id for t in graded], [t.mean / t.max_score for t in graded],
                                "mean share of the points")
    return total, per_task


def render_html(sheet: Sheet, reports: Sequence[ScoreReport]) -> str:
    summary = summarize(sheet, reports)
    total_svg, tasks_svg = _charts(summary)
    return template("summary.html.j2").render(s=summary, pts=pts, total_svg=total_svg, tasks_svg=tasks_svg)
