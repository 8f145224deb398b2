"""``lms.csv``: one row per student *person*, for a learning-management system's grade import.

Columns: ``Student ID``, ``Name``, ``Score``, ``Max score``, ``Submission``. Students are named
by their submission: a folder or zip ``Name1_id1_Name2_id2.zip`` (the convention of sheet 6) is
a team and every member gets the team's score; any other name is one student whose id is the
whole name (the name then comes from the roster when there is one: ``grader serve``).
Moodle: Grades → Import → CSV file, map "Student ID" to "ID number" and "Score" to the assignment.
Canvas: Grades → Import, after renaming "Student ID" to "SIS User ID".

Each id is credited exactly once, whatever other submissions claim it: an id that submitted
alone (a submission named by that id) gets its own submission's score; an id named by several
team submissions gets the highest of their scores. Both cases are conflicts the TA is told about
(:func:`conflicts`), since a name can credit anyone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from grader.report import ScoreReport
from grader.report.textsafe import csv_cell
from grader.report.writers.batch import Batch
from grader.report.writers.gradebook_csv import number

_ID = re.compile(r"^[A-Za-z]{0,3}\d{3,}$")  # matriculation numbers such as 1152231 or stu225473

Claim = tuple[str, ScoreReport]  # (name, the submission naming the id)


def members(submission: str) -> list[tuple[str, str]]:
    """(id, name) of each team member encoded in a submission name; one member otherwise."""
    parts = submission.split("_")
    pairs = [(parts[i + 1], parts[i]) for i in range(0, len(parts) - 1, 2)]
    if len(parts) >= 2 and len(parts) % 2 == 0 and all(_ID.match(i) for i, _ in pairs):
        return pairs
    return [(submission, "")]


def _claims(reports: Sequence[ScoreReport]) -> dict[str, list[Claim]]:
    """Every submission naming each id, once per submission."""
    claims: dict[str, list[Claim]] = {}
    for r in sorted(reports, key=lambda r: r.student):
        for sid, name in dict(members(r.student)).items():
            claims.setdefault(sid, []).append((name, r))
    return claims


def _credited(sid: str, claims: list[Claim]) -> Claim:
    """The id's own submission if it submitted alone, else the best-scoring team naming it."""
    alone = [c for c in claims if c[1].student == sid]
    return alone[0] if alone else min(claims, key=lambda c: (-c[1].score, c[1].student))


def conflicts(reports: Sequence[ScoreReport]) -> list[str]:
    """One sentence per id named by more than one submission: which one was credited."""
    found = []
    for sid, claims in sorted(_claims(reports).items()):
        if len(claims) > 1:
            chosen = _credited(sid, claims)[1]
            names = ", ".join(r.student for _, r in claims)
            why = "its own submission" if chosen.student == sid else "the highest score"
            found.append(f"lms.csv: id {sid} is named by {len(claims)} submissions ({names}); "
                         f"credited once, with {number(chosen.score)} from {chosen.student} ({why})")
    return found


def render(batch: Batch) -> str:
    reports = batch.reports
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Student ID", "Name", "Score", "Max score", "Submission"])
    for sid, claims in sorted(_claims(reports).items()):
        name, r = _credited(sid, claims)
        row = [sid, name or batch.names.get(sid, ""), number(r.score), number(r.max_score), r.student]
        writer.writerow([csv_cell(cell) for cell in row])  # no cell is a formula
    return buf.getvalue()
