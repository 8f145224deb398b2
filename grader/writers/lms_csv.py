"""``lms.csv``: one row per student *person*, for a learning-management system's grade import.

Columns: ``Student ID``, ``Name``, ``Score``, ``Max score``, ``Submission``. Students are named
by their submission: a folder or zip ``Name1_id1_Name2_id2.zip`` (the convention of sheet 6) is
a team and every member gets the team's score; any other name is one student whose id is the
whole name. Moodle: Grades → Import → CSV file, map "Student ID" to "ID number" and "Score" to
the assignment. Canvas: Grades → Import, after renaming "Student ID" to "SIS User ID".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from grader.report import ScoreReport
from grader.sheet import Sheet
from grader.writers.gradebook_csv import number

_ID = re.compile(r"^[A-Za-z]{0,3}\d{3,}$")  # matriculation numbers such as 1152231 or stu225473


def members(submission: str) -> list[tuple[str, str]]:
    """(id, name) of each team member encoded in a submission name; one member otherwise."""
    parts = submission.split("_")
    pairs = [(parts[i + 1], parts[i]) for i in range(0, len(parts) - 1, 2)]
    if len(parts) >= 2 and len(parts) % 2 == 0 and all(_ID.match(i) for i, _ in pairs):
        return pairs
    return [(submission, "")]


def render(sheet: Sheet, reports: Sequence[ScoreReport]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Student ID", "Name", "Score", "Max score", "Submission"])
    rows = [(sid, name, r) for r in reports for sid, name in members(r.student)]
    for sid, name, r in sorted(rows, key=lambda row: row[0]):
        writer.writerow([sid, name, number(r.score), number(r.max_score), r.student])
    return buf.getvalue()
