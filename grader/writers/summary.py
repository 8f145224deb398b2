"""``summary.json`` and ``summary.html``: the class report (see :mod:`grader.summary`).

The HTML embeds its plots as PNG data, so it is one file with no external assets.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

from grader.report import ScoreReport
from grader.sheet import Sheet
from grader.summary import ClassSummary, summarize
from grader.writers.feedback_md import pts
from grader.writers.templates import template


def render_json(sheet: Sheet, reports: Sequence[ScoreReport]) -> str:
    return summarize(sheet, reports).model_dump_json(indent=2) + "\n"


def _png(figure: object) -> str:
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=96, bbox_inches="tight")  # type: ignore[attr-defined]
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(summary: ClassSummary) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    total = Figure(figsize=(6, 3))
    ax = total.subplots()
    ax.hist(summary.total.scores, bins=min(20, max(5, summary.students)), range=(0, summary.total.max_score),
            color="#3355aa")
    ax.set_xlabel(f"total score (of {pts(summary.total.max_score)})")
    ax.set_ylabel("students")
    per_task = Figure(figsize=(6, 3))
    ax = per_task.subplots()
    graded = [t for t in summary.tasks if t.max_score > 0]
    ax.bar([t.id for t in graded], [t.mean / t.max_score for t in graded], color="#1b7a32")
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean share of the points")
    ax.tick_params(axis="x", rotation=45)
    return _png(total), _png(per_task)


def render_html(sheet: Sheet, reports: Sequence[ScoreReport]) -> str:
    summary = summarize(sheet, reports)
    total_png, tasks_png = _plots(summary)
    return template("summary.html.j2").render(s=summary, pts=pts, total_png=total_png, tasks_png=tasks_png)
