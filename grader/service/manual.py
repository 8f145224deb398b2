"""TAs' manual scores: a score belongs to the answer it was given for.

A score is stored with the submission the TA scored (the one that counted then) and the hash of
its answer to the point (:func:`answer_digest`). It applies to a submission whose answer to the
point hashes the same, or to any when stored before answers were recorded (no hash). A score of an
answer the student changed since is not applied: the point is pending again, and the TA pages
offer that score for the new answer (:func:`earlier_of`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from grader.service.db import ManualPoint, SubmissionRow
from grader.service.library import Earlier, Override, ScoreReport, SheetError, answer_digest, number

Key = tuple[str, str, str]  # student, task, point
_UNIQUE = ("sheet_id", "student_id", "task", "point")  # ManualPoint's unique key
_STORED = ("points", "comment", "submission_id", "answer_sha256")


class AnswerChanged(SheetError):
    """A score for an answer that no longer counts: the TA read another one than it would be stored for."""


@dataclass(frozen=True)
class Scored(Override):
    """A stored score, with the answer it was given for (None: stored before answers were recorded)."""

    submission: int | None = None
    answer_sha256: str | None = None


def answer_of(report: ScoreReport, task: str, point: str) -> str:
    """The hash of the report's answer to a manual point (not located, or no such point: no blocks)."""
    located = next((c.located for t in report.tasks if t.id == task for c in t.checks
                    if c.kind == "manual" and c.answer == point), None)
    return answer_digest(located)


def applying(report: ScoreReport, manual: Sequence[Override]) -> tuple[list[Override], list[Scored]]:
    """The scores that apply to ``report``'s answers, and those given for an answer changed since."""
    applies: list[Override] = []
    changed: list[Scored] = []
    for o in manual:
        if isinstance(o, Scored) and o.answer_sha256 is not None \
                and o.answer_sha256 != answer_of(report, o.task, o.point):
            changed.append(o)
        else:
            applies.append(o)
    return applies, changed


def stamped(sheet_id: str, rows: Sequence[Override],
            scored: Mapping[str, SubmissionRow | None]) -> list[ManualPoint]:
    """The rows to store, each with the answer it scores: in its student's counted submission
    (``scored``: student → that submission, its report read once for all of its points)."""
    reports = {s: (r.id, ScoreReport.model_validate_json(r.report_json))
               for s, r in scored.items() if r is not None and r.report_json is not None}
    found = []
    for o in rows:
        submission, report = reports.get(o.student, (None, None))
        found.append(ManualPoint(sheet_id=sheet_id, student_id=o.student, task=o.task, point=o.point,
                                 points=o.points, comment=o.comment, submission_id=submission,
                                 answer_sha256=answer_of(report, o.task, o.point) if report else None))
    return found


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
