"""A review page's form as sent back: each group's students, points and comment, as overrides rows.

The page (static, ``--serve`` or the service's) names its fields ``students-<group>`` (a JSON list
of ids), ``points-<group>`` and ``comment-<group>``; the rows are then checked as
``grader apply-overrides`` checks a file.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace

from grader.report.review.grouping import Group
from grader.report.review.pages import PointView
from grader.report.writers.gradebook_csv import number
from grader.sheet import SheetError

Form = dict[str, str]


def _students(text: str) -> list[str]:
    try:
        students = json.loads(text)
    except ValueError:
        students = None
    if not isinstance(students, list) or not all(isinstance(s, str) for s in students):
        raise SheetError("the form's list of students is broken: reload the page")
    return students


def form_rows(view: PointView, form: Form) -> list[list[str]]:
    """One overrides row per student of each group given points (empty boxes are not saved)."""
    p, rows = view.point, []
    for key, value in form.items():
        group = key.removeprefix("students-")
        points = form.get(f"points-{group}", "").strip()
        if group == key or not points:
            continue
        with contextlib.suppress(ValueError):  # not a number: the check in save_overrides names it
            points = number(float(points))
        comment = form.get(f"comment-{group}", "").strip()
        rows += [[s, p.task, p.label, p.max_text, points, comment] for s in _students(value)]
    return rows


def posted(view: PointView, form: Form) -> PointView:
    """The view with what the TA typed, to show again beside a refusal."""
    def typed(g: Group) -> Group:
        points, comment = form.get(f"points-{g.id}"), form.get(f"comment-{g.id}")
        if points is None:
            return g
        return replace(g, answers=[replace(a, points=points, comment=comment or "") for a in g.answers])
    return replace(view, groups=[typed(g) for g in view.groups])
