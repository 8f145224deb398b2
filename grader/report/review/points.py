"""The manual points of a sheet and every student's answer to one of them, as the review pages show.

A point's current score comes from the reports (``apply-overrides`` put it there) unless
``OUT/overrides.csv`` holds a newer filled row for it (saved from a review page, not applied yet)
given for the answer the report holds (a row of an answer changed since would not be applied).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.report import ScoreReport
from grader.report.located import Located, answer_digest
from grader.report.overrides import answer_of, read_rows
from grader.report.writers.gradebook_csv import number
from grader.sheet import Sheet

Key = tuple[str, str, str]  # student, task, point
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STEPS = (0.25, 0.5, 1.0)  # the finest that gives at most _MAX_STEPS choices
_MAX_STEPS = 20


@dataclass(frozen=True)
class Point:
    task: str
    title: str
    task_points: float
    label: str
    prompt: str
    max_points: float
    slug: str  # the page's file name without .html

    @property
    def max_text(self) -> str:
        return number(self.max_points)

    @property
    def task_points_text(self) -> str:
        return number(self.task_points)

    @property
    def step(self) -> str:
        """The score box's step: quarter, half or whole points when the maximum is a multiple."""
        for step in _STEPS:
            n = self.max_points / step
            if abs(n - round(n)) < 1e-9 and n <= _MAX_STEPS:
                return number(step)
        return "any"


@dataclass(frozen=True)
class Earlier:
    """A score the student's earlier answer got (the service's): the answer changed since, so it is
    not applied; the page flags it and shows it."""
    points: str  # as the CSV writes it
    comment: str
    submission: int | None  # the submission it was given on; None: not to be named (anonymous)


@dataclass(frozen=True)
class Answer:
    student: str
    located: Located | None
    points: str  # as the CSV writes it; "" when not scored yet
    comment: str
    submission: str | None  # a link to the executed notebook, when there is one
    earlier: Earlier | None = None

    @property
    def scored(self) -> bool:
        return self.points != ""

    @property
    def digest(self) -> str:
        """The answer's :func:`answer_digest`, which a served page's form records as shown."""
        return answer_digest(self.located)


def manual_points(sheet: Sheet) -> list[Point]:
    found: list[Point] = []
    slugs: set[str] = set()
    for task, check in sheet.spec.checks():
        if check.kind != "manual":
            continue
        base = _UNSAFE.sub("_", f"{task.id}-{check.answer}").strip("._")[:80] or "point"
        slug, n = base, 1
        while slug.lower() in slugs:  # case-insensitive file systems too
            n += 1
            slug = f"{base}-{n}"
        slugs.add(slug.lower())
        found.append(Point(task.id, task.title, task.points, check.answer, check.prompt,
                           task.check_points(check), slug))
    return found


def saved_rows(path: Path, reports: Mapping[str, ScoreReport] | None = None) -> dict[Key, tuple[str, str]]:
    """The filled rows of an overrides CSV: (student, task, point) → (points, comment); with
    ``reports``, only those given for the answer the student's report holds (or any: not recorded)."""
    def current(r: dict[str, str]) -> bool:
        given, report = r["answer"].strip().lower(), (reports or {}).get(r["student"])
        return not given or report is None or given == answer_of(report, r["task"], r["point"])
    return {(r["student"], r["task"], r["point"]): (r["points"].strip(), r["comment"].strip())
            for r in read_rows(path) if r["points"].strip() and current(r)}


def answers_of(point: Point, reports: Mapping[str, ScoreReport], saved: Mapping[Key, tuple[str, str]],
               link: Callable[[str], str | None],
               earlier: Mapping[Key, Earlier] | None = None) -> list[Answer]:
    """Every graded student's answer to ``point`` (in the order of ``reports``), with its current
    score and comment, and the score of an earlier answer (``earlier``) when there is one."""
    found = []
    for student, report in reports.items():
        check = next((c for t in report.tasks if t.id == point.task for c in t.checks
                      if c.kind == "manual" and c.answer == point.label), None)
        points, comment = "", ""
        if check is not None and check.status != "pending":
            points, comment = number(check.score), check.details.hint or ""
        points, comment = saved.get((student, point.task, point.label), (points, comment))
        key = (student, point.task, point.label)
        found.append(Answer(student, check.located if check else None, points, comment, link(student),
                            (earlier or {}).get(key)))
    return found
