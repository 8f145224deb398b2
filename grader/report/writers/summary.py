"""``summary.json`` and ``summary.html``: the class report (see :mod:`grader.report.summary`).

The HTML carries its charts as inline SVG, so it is one file with no external assets.
"""

from __future__ import annotations

from grader.report.summary import ClassSummary, summarize
from grader.report.writers import charts
from grader.report.writers.batch import Batch
from grader.report.writers.feedback_md import pts
from grader.report.writers.templates import template


def render_json(batch: Batch) -> str:
    return summarize(batch.sheet, batch.reports, batch.warnings).model_dump_json(indent=2) + "\n"


def _charts(summary: ClassSummary) -> tuple[str, str]:
    bins = min(20, max(5, summary.students))
    total = charts.histogram(summary.total.scores, summary.total.max_score, bins,
                             f"total score (of {pts(summary.total.max_score)})")
    graded = [t for t in summary.tasks if t.max_score > 0]
    per_task = charts.bar_chart([t.id for t in graded], [t.mean / t.max_score for t in graded],
                                "mean share of the points")
    return total, per_task


def render_html(batch: Batch) -> str:
    summary = summarize(batch.sheet, batch.reports, batch.warnings)
    total_svg, tasks_svg = _charts(summary)
    return template("summary.html.j2").render(s=summary, pts=pts, total_svg=total_svg, tasks_svg=tasks_svg)
