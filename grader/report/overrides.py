"""Manual points: a TA fills a CSV and the points and comments are merged into the reports.

``review_template`` lists one row per student × manual point (``OUT/overrides.csv``);
``apply_overrides`` validates the whole file first (unknown students or points, points outside
0…max are errors naming every offending row), then updates each report and rebuilds the batch
files. Nothing is re-run; a row whose ``points`` cell is empty leaves that point pending.

Each row records the answer it was scored for (``answer``: :func:`answer_digest` of it; empty or
no such column, as in older files: not recorded). A row applies to a report only if its answer is
that report's answer to the point, so a score never lands on an answer handed in since.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.grading.batch import previous_report
from grader.report import CheckResult, ScoreReport, TaskResult, pending_points
from grader.report.located import answer_digest
from grader.report.textsafe import csv_cell, csv_value
from grader.report.writers import write_batch, write_student
from grader.report.writers.atomic import write_text
from grader.report.writers.batch import Batch
from grader.report.writers.gradebook_csv import number
from grader.sheet import Sheet, SheetError

_ROUNDING = 5e-4
COLUMNS = ["student", "task", "point", "max_points", "points", "comment", "answer"]
_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Override:
    student: str
    task: str
    point: str
    points: float
    comment: str
    answer: str | None = None  # the digest of the answer scored; None: not recorded (applies to any)


@dataclass(frozen=True)
class Applied:
    reports: list[ScoreReport]  # every report, the rows that apply merged
    changed: list[Override]  # the rows not applied: scored for an answer the student changed since


def answer_of(report: ScoreReport, task: str, point: str) -> str:
    """The hash of the report's answer to a manual point (not located, or no such point: no blocks)."""
    located = next((c.located for t in report.tasks if t.id == task for c in t.checks
                    if c.kind == "manual" and c.answer == point), None)
    return answer_digest(located)


def applies(o: Override, report: ScoreReport) -> bool:
    """Whether the row scores ``report``'s answer: the one it was given for, or any when not recorded."""
    return o.answer is None or o.answer == answer_of(report, o.task, o.point)


def graded_reports(out: Path) -> dict[str, ScoreReport]:
    found = {}
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        report = previous_report(folder)
        if report is not None:
            found[report.student] = report
    if not found:
        raise SheetError(f"{out} holds no graded reports: run `grader grade` first")
    return found


def review_template(sheet: Sheet, out: Path) -> str:
    """The overrides CSV for every manual point of every graded student (scored ones prefilled)."""
    rows = []
    for student, report in graded_reports(out).items():
        for task in report.tasks:
            for check in task.checks:
                if check.kind == "manual":
                    scored = check.status != "pending"
                    rows.append([student, task.id, check.answer, number(check.max_score),
                                 number(check.score) if scored else "", check.details.hint or "",
                                 answer_digest(check.located)])
    return overrides_text(rows)


def overrides_text(rows: Iterable[Sequence[str]]) -> str:
    """The overrides CSV of these rows (:data:`COLUMNS` order), as ``grader review`` writes it: a
    file a TA fills in a spreadsheet, so no cell is a formula (:func:`read_row` undoes that)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buf.getvalue()


def read_row(row: dict[str, str | None]) -> dict[str, str]:
    """A row of an overrides CSV as written before :func:`overrides_text` kept it from being a formula
    (a column the file lacks, as ``answer`` in older files: empty)."""
    return {c: csv_value(row.get(c) or "") for c in COLUMNS}


def read_rows(path: Path) -> list[dict[str, str]]:
    """Every row of the overrides CSV at ``path`` ([] when there is none), as :func:`read_row` gives it."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8-sig") as fh:  # a spreadsheet writes a BOM
        return [read_row(row) for row in csv.DictReader(fh)]


def save_overrides(sheet: Sheet, out: Path, rows: Sequence[Sequence[str]], path: Path) -> list[Override]:
    """Check ``rows`` as apply-overrides does, then merge them into the CSV at ``path`` (atomically):
    a row for the same student, task and point replaces the old one, every other row is kept."""
    new = overrides_of_text(sheet, overrides_text(rows), path.name, list(graded_reports(out)))
    kept = [[row[c] for c in COLUMNS] for row in read_rows(path)]
    given = {tuple(r[:3]): r for r in rows}
    merged = [given.pop(tuple(r[:3]), r) for r in kept]
    write_text(path, overrides_text([*merged, *given.values()]))
    return new


def read_overrides(sheet: Sheet, path: Path, students: Sequence[str]) -> list[Override]:
    """Every filled row, checked against the sheet and the graded students (SheetError lists all problems)."""
    return overrides_of_text(sheet, decoded(path.read_bytes(), path.name), path.name, students)


def decoded(data: bytes, name: str) -> str:
    """An overrides CSV's text: UTF-8 without the BOM a spreadsheet writes (SheetError: not UTF-8)."""
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[:exc.start].count(b"\n") + 1
        raise SheetError(f"{name} line {line}: not UTF-8 text ({exc.reason})") from None


def overrides_of_text(sheet: Sheet, text: str, name: str, students: Sequence[str]) -> list[Override]:
    """:func:`read_overrides` on the text of a CSV already in hand (``name`` is shown in the messages)."""
    # newline="": lines split as in a file opened so (csv keeps a quoted cell's line break)
    return parse_overrides(sheet, io.StringIO(text, newline=""), name, students)


def parse_overrides(sheet: Sheet, lines: Iterable[str], name: str, students: Sequence[str]) -> list[Override]:
    """:func:`read_overrides` on CSV lines already in hand (``name`` is shown in the messages)."""
    manual = {(t.id, c.answer): t.check_points(c) for t, c in sheet.spec.checks() if c.kind == "manual"}
    rows, problems = [], []
    reader = csv.DictReader(lines)
    missing = [c for c in ("student", "task", "point", "points") if c not in (reader.fieldnames or [])]
    if missing:
        raise SheetError(f"{name}: missing columns {missing}; expected {COLUMNS}")
    for line, raw in enumerate(reader, 2):
        where, row = f"{name} line {line}", read_row(raw)
        if not (row.get("points") or "").strip():
            continue
        key = (row["task"], row["point"])
        if row["student"] not in students:
            problems.append(f"{where}: unknown student {row['student']!r}")
        if key not in manual:
            problems.append(f"{where}: task {row['task']!r} has no manual point {row['point']!r}")
            continue
        try:
            points = float(row["points"])
        except ValueError:
            problems.append(f"{where}: points {row['points']!r} is not a number")
            continue
        if abs(points - manual[key]) <= _ROUNDING:  # the template shows 1/3 point as 0.3333
            points = manual[key]
        if not 0 <= points <= manual[key]:
            problems.append(f"{where}: points {points:g} outside 0…{number(manual[key])}")
        answer = row["answer"].strip().lower() or None
        if answer is not None and not _DIGEST.fullmatch(answer):
            problems.append(f"{where}: answer {row['answer']!r} is not an answer's digest (64 hex digits)")
        rows.append(Override(row["student"], row["task"], row["point"], points,
                             row["comment"].strip(), answer))
    if problems:
        raise SheetError("overrides not applied: " + "; ".join(problems))
    return rows


def _scored(check: CheckResult, o: Override) -> CheckResult:
    message = f"Scored by a TA: {number(o.points)} / {number(check.max_score)}." + (
        f" {o.comment}" if o.comment else "")
    return check.model_copy(update={
        "status": "passed" if o.points >= check.max_score - 1e-9 else "failed",
        "score": round(o.points, 6), "message": message,
        "details": check.details.model_copy(update={"credit_via": "TA review", "hint": o.comment or None})})


def merge(report: ScoreReport, overrides: Sequence[Override]) -> ScoreReport:
    """The report with the TA's points in place of pending (or earlier) manual scores: the rows
    given for its answers (:func:`applies`); a row for an answer changed since is left out."""
    by_point = {(o.task, o.point): o for o in overrides if o.student == report.student and applies(o, report)}
    tasks = []
    for task in report.tasks:
        checks = [_scored(c, by_point[(task.id, c.answer)])
                  if c.kind == "manual" and (task.id, c.answer) in by_point else c for c in task.checks]
        tasks.append(TaskResult(id=task.id, title=task.title, checks=checks, max_score=task.max_score,
                                score=round(sum(c.score for c in checks), 6)))
    return report.model_copy(update={"tasks": tasks, "score": round(sum(t.score for t in tasks), 6),
                                     "pending_points": pending_points(tasks)})


def applied_overrides(sheet: Sheet, out: Path, path: Path) -> Applied:
    """Merge the CSV at ``path`` into OUT's reports and batch files; the rows left out are told."""
    reports = graded_reports(out)
    overrides = read_overrides(sheet, path, list(reports))
    merged = [merge(r, overrides) for r in reports.values()]
    for report in merged:
        write_student(report, out / report.student)
    write_batch(Batch(sheet, merged), out)
    return Applied(merged, [o for o in overrides if not applies(o, reports[o.student])])


def apply_overrides(sheet: Sheet, out: Path, path: Path) -> list[ScoreReport]:
    """:func:`applied_overrides`' reports."""
    return applied_overrides(sheet, out, path).reports
