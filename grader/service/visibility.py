"""What a student is shown of a report: the course's visibility level, applied at display time.

Grading never changes with visibility; the stored report is always complete. ``full`` is the
report itself (minus the grader's own error note, which feedback never shows); ``correctness``
drops every message and detail (they carry expected values and probe inputs) but keeps
passed/failed and points; ``format`` keeps only whether it ran, the cells that raised and the
answers that are missing or unusable; ``none`` says only that it was graded.
"""

from __future__ import annotations

from pydantic import Field

from grader.frozen import Frozen
from grader.service.course import Visibility
from grader.service.library import CellErrorInfo, ScoreReport


class ShownCheck(Frozen):
    task: str
    answer: str
    status: str | None = Field(None, description="passed/failed/error/pending (correctness and full)")
    score: float | None = None
    max_score: float | None = None
    problem: str | None = Field(None, description="why the answer could not be checked (missing, wrong type)")


class ShownRun(Frozen):
    status: str
    ran_to_end: bool
    message: str = ""
    cell_errors: list[CellErrorInfo] = Field(default_factory=list)


class ShownReport(Frozen):
    visibility: Visibility
    sheet: str
    student: str
    score: float | None = None
    max_score: float | None = None
    run: ShownRun | None = None
    checks: list[ShownCheck] = Field(default_factory=list)
    report: ScoreReport | None = Field(None, description="the whole report (visibility full)")


def _checks(report: ScoreReport, with_scores: bool) -> list[ShownCheck]:
    shown = []
    for task in report.tasks:
        for c in task.checks:
            problem = c.message if c.status == "error" else None
            if with_scores:
                shown.append(ShownCheck(task=task.id, answer=c.answer, status=c.status, score=c.score,
                                        max_score=c.max_score, problem=problem))
            else:
                shown.append(ShownCheck(task=task.id, answer=c.answer, problem=problem))
    return shown


def shown(report: ScoreReport, level: Visibility) -> ShownReport:
    base = ShownReport(visibility=level, sheet=report.sheet, student=report.student)
    if level == "none":
        return base
    run = ShownRun(status=report.run.status, ran_to_end=report.run.ran_to_end,
                   message=report.run.message, cell_errors=report.run.cell_errors)
    if level == "format":
        return base.model_copy(update={"run": run, "checks": _checks(report, with_scores=False)})
    update = {"run": run, "checks": _checks(report, with_scores=True), "score": report.score,
              "max_score": report.max_score}
    if level == "full":
        update["report"] = report.model_copy(
            update={"run": report.run.model_copy(update={"grader_error": ""})})
    return base.model_copy(update=update)
