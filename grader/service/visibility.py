"""What a student is shown of a report: the course's visibility level, applied at display time.

Grading never changes with visibility; the stored report is always complete. ``full`` is the
report itself (minus the grader's own error note, which feedback never shows); ``correctness``
drops every message and detail (they carry expected values and probe inputs) but keeps
passed/failed and points; ``format`` keeps only whether it ran, the cells that raised and the
answers that are missing or unusable (:mod:`grader.report.format_view`, which ``grader check``
shares); ``none`` says only that it was graded.
"""

from __future__ import annotations

from pydantic import Field

from grader.frozen import Frozen
from grader.service.course import Visibility
from grader.service.library import ScoreReport, ShownCheck, ShownRun, format_view, report_rows, shown_run

__all__ = ["ShownCheck", "ShownReport", "ShownRun", "shown"]


class ShownReport(Frozen):
    visibility: Visibility
    sheet: str
    student: str
    score: float | None = None
    max_score: float | None = None
    run: ShownRun | None = None
    checks: list[ShownCheck] = Field(default_factory=list)
    report: ScoreReport | None = Field(None, description="the whole report (visibility full)")


def _scored(report: ScoreReport) -> list[ShownCheck]:
    checks = [c for task in report.tasks for c in task.checks]
    return [ShownCheck(task=r.task, answer=r.answer, problem=r.problem, status=c.status, score=c.score,
                       max_score=c.max_score) for r, c in zip(report_rows(report), checks, strict=True)]


def shown(report: ScoreReport, level: Visibility) -> ShownReport:
    base = ShownReport(visibility=level, sheet=report.sheet, student=report.student)
    if level == "none":
        return base
    if level == "format":
        view = format_view(report.run, report_rows(report))
        return base.model_copy(update={"run": view.run, "checks": view.checks})
    update = {"run": shown_run(report.run), "checks": _scored(report), "score": report.score,
              "max_score": report.max_score}
    if level == "full":
        update["report"] = report.model_copy(
            update={"run": report.run.model_copy(update={"grader_error": ""})})
    return base.model_copy(update=update)
