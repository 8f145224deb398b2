"""``gradebook.csv``: one row per student, one column per task, then totals."""

from __future__ import annotations

import csv
import io

from grader.report.textsafe import csv_cell
from grader.report.writers.batch import Batch


def render(batch: Batch) -> str:
    sheet, reports = batch.sheet, batch.reports
    task_ids = [t.id for t in sheet.spec.tasks]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    rows = [["student", *task_ids, "total", "max_total", "pending_manual", "run_status"]]
    for r in sorted(reports, key=lambda r: r.student):
        scores = {t.id: t.score for t in r.tasks}
        rows.append([r.student, *(number(scores[i]) for i in task_ids), number(r.score),
                     number(r.max_score), number(r.pending_points), r.run.status])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)  # no cell is a formula
    return buf.getvalue()


def number(x: float) -> str:
    """Points as a TA writes them: 2, 0.5, 0.375."""
    return f"{x:.4f}".rstrip("0").rstrip(".")
