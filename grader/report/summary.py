"""The class report: what a TA reads to see what the class misunderstood.

Score distributions per task and in total, the answers most often wrong with their most common
wrong values and hints (a flipped sign, a missing ½), the submissions that did not run, and
warnings for the TA (an id claimed by more than one submission in lms.csv).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import mean, median

from pydantic import Field

from grader.frozen import Frozen
from grader.report import CheckResult, ScoreReport
from grader.sheet import Sheet


class Distribution(Frozen):
    id: str
    max_score: float
    scores: list[float]
    mean: float
    median: float


class Count(Frozen):
    text: str
    students: int


class OftenWrong(Frozen):
    task: str
    answer: str
    kind: str
    wrong: int = Field(description="students whose check failed or errored")
    of: int
    values: list[Count] = Field(description="most common wrong values")
    hints: list[Count] = Field(description="most common diagnoses (sign, factor 2, transpose …)")


class NotRun(Frozen):
    student: str
    status: str
    message: str


class ClassSummary(Frozen):
    sheet: str
    students: int
    total: Distribution
    tasks: list[Distribution]
    often_wrong: list[OftenWrong]
    not_run: list[NotRun]
    pending_manual: int = Field(description="students with manual points still to score")
    warnings: list[str] = Field(default_factory=list, description="what the TA should check by hand")


def _distribution(ident: str, max_score: float, scores: list[float]) -> Distribution:
    return Distribution(id=ident, max_score=max_score, scores=scores, mean=round(mean(scores), 4),
                        median=round(median(scores), 4))


def _often_wrong(reports: Sequence[ScoreReport], top: int) -> list[OftenWrong]:
    keyed: dict[tuple[str, str, str], list[CheckResult]] = {}
    for report in reports:
        for task in report.tasks:
            for c in task.checks:
                if c.kind != "manual" and c.max_score > 0:
                    keyed.setdefault((task.id, c.answer, c.kind), []).append(c)
    found = []
    for (task_id, answer, kind), checks in keyed.items():
        bad = [c for c in checks if c.status in ("failed", "error")]
        if bad:
            values = Counter(c.details.got for c in bad if c.details.got is not None)
            hints = Counter(c.details.hint for c in bad if c.details.hint)
            found.append(OftenWrong(task=task_id, answer=answer, kind=kind, wrong=len(bad), of=len(checks),
                                    values=[Count(text=v, students=n) for v, n in values.most_common(3)],
                                    hints=[Count(text=h, students=n) for h, n in hints.most_common(3)]))
    return sorted(found, key=lambda w: (-w.wrong / w.of, w.task, w.answer))[:top]


def summarize(sheet: Sheet, reports: Sequence[ScoreReport], warnings: Sequence[str] = (),
              top: int = 12) -> ClassSummary:
    from grader.report.writers.lms_csv import conflicts  # here: grader.report.writers imports this module

    ordered = sorted(reports, key=lambda r: r.student)
    tasks = [_distribution(t.id, t.points, [r.task(t.id).score for r in ordered] or [0.0])
             for t in sheet.spec.tasks]
    return ClassSummary(
        sheet=sheet.id, students=len(ordered),
        total=_distribution("total", sheet.spec.max_score, [r.score for r in ordered] or [0.0]),
        tasks=tasks, often_wrong=_often_wrong(ordered, top),
        not_run=[NotRun(student=r.student, status=r.run.status, message=r.run.message)
                 for r in ordered if not r.run.ran_to_end],
        pending_manual=sum(r.pending_points > 0 for r in ordered), warnings=[*warnings, *conflicts(ordered)])
