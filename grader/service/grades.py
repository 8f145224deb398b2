"""Each student's standing on a sheet: their submissions, the one that counts, its score after the
late penalty, and its report with the TA's manual points merged in (those given for the answers
it holds: :mod:`grader.service.manual`). Class table, exports and regrade all read standings, so
they agree on who has what."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.service.course import Offer
from grader.service.db import ManualPoint, Student, SubmissionRow
from grader.service.library import Override, ScoreReport, merge
from grader.service.manual import Scored, changed_of
from grader.service.policy import counted, counted_score


@dataclass(frozen=True)
class Standing:
    student: Student
    submissions: list[SubmissionRow]
    counted: SubmissionRow | None
    report: ScoreReport | None  # the counted report, manual points merged
    changed: list[Scored] = field(default_factory=list)  # scores of answers changed since: not merged

    @property
    def late(self) -> bool:
        return self.counted is not None and self.counted.late_seconds > 0


def overrides(session: Session, sheet_id: str, student_id: str | None = None) -> list[Override]:
    query = select(ManualPoint).where(ManualPoint.sheet_id == sheet_id)
    if student_id is not None:
        query = query.where(ManualPoint.student_id == student_id)
    return [Scored(m.student_id, m.task, m.point, m.points, m.comment, answer=m.answer_sha256,
                   submission=m.submission_id) for m in session.scalars(query)]


def graded(row: SubmissionRow, manual: list[Override]) -> tuple[ScoreReport | None, list[Scored]]:
    """The row's report with the scores of its answers merged, and the scores of changed answers."""
    if row.report_json is None:
        return None, []
    report = ScoreReport.model_validate_json(row.report_json)
    return merge(report, manual), changed_of(report, manual)


def report_of(row: SubmissionRow, manual: list[Override]) -> ScoreReport | None:
    return graded(row, manual)[0]


def counted_of(offer: Offer, rows: Sequence[SubmissionRow], manual: list[Override]) -> SubmissionRow | None:
    """The submission that counts. With ``counts: best`` each is worth its score with the manual
    points that apply to it: a score follows its answer, so an attempt whose answer was scored may
    be worth more than a later one with more automatic points and that answer still pending."""
    if offer.counts == "last" or not manual:
        return counted(offer, rows)

    def worth(row: SubmissionRow) -> float:
        report = report_of(row, manual)
        return report.score if report is not None else 0.0
    return counted(offer, rows, worth)


def manual_by_student(session: Session, sheet_id: str) -> dict[str, list[Override]]:
    found: dict[str, list[Override]] = defaultdict(list)
    for o in overrides(session, sheet_id):
        found[o.student].append(o)
    return found


def score_of(offer: Offer, standing: Standing) -> float | None:
    """The counted score after manual points and the late penalty."""
    if standing.report is None or standing.counted is None:
        return None
    return counted_score(offer, standing.counted, standing.report.score)


def submissions_of(session: Session, sheet_id: str) -> dict[str, list[SubmissionRow]]:
    """Each student's submissions to a sheet, oldest first."""
    rows: dict[str, list[SubmissionRow]] = defaultdict(list)
    for row in session.scalars(select(SubmissionRow).where(SubmissionRow.sheet_id == sheet_id)
                               .order_by(SubmissionRow.id)):
        rows[row.student_id].append(row)
    return rows


def standings(session: Session, offer: Offer, sheet_id: str) -> list[Standing]:
    rows = submissions_of(session, sheet_id)
    manual = manual_by_student(session, sheet_id)
    result = []
    for student in session.scalars(select(Student).order_by(Student.id)):
        mine = rows.get(student.id, [])
        best = counted_of(offer, mine, manual[student.id])
        report, changed = graded(best, manual[student.id]) if best else (None, [])
        result.append(Standing(student, mine, best, report, changed))
    return result


def export_reports(offer: Offer, table: list[Standing]) -> list[ScoreReport]:
    """The counted reports as the gradebook shows them: the score after the late penalty."""
    return [s.report.model_copy(update={"score": score_of(offer, s)})
            for s in table if s.report is not None]
