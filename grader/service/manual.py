"""TAs' manual scores: a score belongs to the answer it was given for.

A score is stored with the submission the TA scored (the one that counted then) and the hash of
its answer to the point (:func:`answer_digest`); a row of an uploaded overrides CSV that records
its answer is stored with that one, what the TA read. It applies to a submission whose answer to
the point hashes the same, or to any when stored before answers were recorded (no hash): the rule
of ``merge`` (``applies``). A score of an answer the student changed since is not applied: the
point is pending again, and the TA pages offer that score for the new answer (:func:`earlier_of`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from grader.service.db import ManualPoint, SubmissionRow
from grader.service.library import Earlier, Override, ScoreReport, SheetError, answer_of, applies, number

Key = tuple[str, str, str]  # student, task, point
_UNIQUE = ("sheet_id", "student_id", "task", "point")  # ManualPoint's unique key
_STORED = ("points", "comment", "submission_id", "answer_sha256")


class AnswerChanged(SheetError):
    """A score for an answer that no longer counts: the TA read another one than it would be stored for."""


@dataclass(frozen=True)
class Scored(Override):
    """A stored score, with the submission it was given on (``answer``: None when stored before
    answers were recorded)."""

    submission: int | None = None


def changed_of(report: ScoreReport, manual: Sequence[Override]) -> list[Scored]:
    """The stored scores ``merge`` leaves out of ``report``: given for an answer changed since."""
    return [o for o in manual if isinstance(o, Scored) and not applies(o, report)]


def stamped(sheet_id: str, rows: Sequence[Override],
            submissions: Mapping[str, Sequence[SubmissionRow]],
            scored: Mapping[str, SubmissionRow | None]) -> list[ManualPoint]:
    """The rows to store, each with the answer it scores: the one it records (a CSV of ``grader
    review``: what the TA read) on the latest of its student's ``submissions`` that holds it (None:
    none), else its student's answer in the counted submission (``scored``: student → that one)."""
    reports = _Reports()
    found = []
    for o in rows:
        counted = scored.get(o.student)
        answer = reports.answer(counted, o) if counted is not None else None
        submission = counted if answer is not None and o.answer in (None, answer) else None
        if submission is None and o.answer is not None:
            submission = next((r for r in reversed(submissions.get(o.student, []))
                               if reports.answer(r, o) == o.answer), None)
        found.append(ManualPoint(sheet_id=sheet_id, student_id=o.student, task=o.task, point=o.point,
                                 points=o.points, comment=o.comment,
                                 submission_id=submission.id if submission is not None else None,
                                 answer_sha256=o.answer or answer))
    return found


class _Reports:
    """Submissions' reports, each read once for all the points asked of it."""

    def __init__(self) -> None:
        self._read: dict[int, ScoreReport | None] = {}

    def answer(self, row: SubmissionRow, o: Override) -> str | None:
        """The digest of ``row``'s answer to ``o``'s point (None: not graded)."""
        if row.id not in self._read:
            self._read[row.id] = ScoreReport.model_validate_json(row.report_json) \
                if row.report_json is not None else None
        report = self._read[row.id]
        return answer_of(report, o.task, o.point) if report is not None else None


def check_answers(rows: Sequence[ManualPoint], shown: Mapping[Key, str]) -> None:
    """Refuse (AnswerChanged) rows whose answer is not the one the TA's page showed (``shown``:
    its digest by student, task and point; a point not in it is not checked)."""
    changed = [f"{m.student_id}'s answer to {m.task} {m.point}" for m in rows
               if shown.get((m.student_id, m.task, m.point), m.answer_sha256) != m.answer_sha256]
    if changed:
        raise AnswerChanged(f"Not saved: {', '.join(changed)} changed since this page was loaded (a new "
                            "submission counts now; it is shown now): read it and score it again.")


def upsert(session: Session, rows: Sequence[ManualPoint]) -> None:
    """Store the rows, each replacing its point's earlier score (a later row of the same point wins).
    One INSERT … ON CONFLICT: two TAs saving the same new point at once both succeed, the last
    wins (a delete then insert collides on PostgreSQL's unique index)."""
    latest = {tuple(getattr(m, c) for c in _UNIQUE): {c: getattr(m, c) for c in _UNIQUE + _STORED}
              for m in rows}
    if not latest:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(ManualPoint)
    replacing = {c: statement.excluded[c] for c in _STORED}
    session.execute(statement.on_conflict_do_update(index_elements=list(_UNIQUE), set_=replacing),
                    list(latest.values()))


def earlier_of(changed: Sequence[Scored], named: bool = True) -> dict[Key, Earlier]:
    """The old scores of changed answers by (student, task, point), as the TA pages offer them
    (``named`` False: without the submission's number, which leads to the student's name)."""
    return {(o.student, o.task, o.point): Earlier(number(o.points), o.comment,
                                                  o.submission if named else None) for o in changed}
