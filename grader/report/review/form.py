"""A review page's form as sent back: each group's students, points and comment, as overrides rows.

The page (static, ``--serve`` or the service's) names its fields ``students-<group>`` (a JSON list
of ids, or of pseudonyms on an anonymous page: :meth:`PointView.student` maps them back),
``shown-<group>`` (the points and comment the page showed), ``points-<group>`` and
``comment-<group>``; the rows are then checked as ``grader apply-overrides`` checks a file.

A page can be stale (another TA, another tab saved since it was rendered): a student whose score
is no longer what the page showed is a conflict, not saved (the newer score stays) and named to
the TA; the other students of the same save are saved. A form without ``shown-`` fields is taken
to have shown no score: it can fill an empty score, never overwrite one.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, replace

from grader.report.review.pages import PointView
from grader.report.writers.gradebook_csv import number
from grader.sheet import SheetError

Form = dict[str, str]
Score = tuple[str, str]  # points as the CSV writes them ("" when not scored), comment


@dataclass(frozen=True)
class Saving:
    rows: list[list[str]]  # the overrides rows to save
    conflicts: list[str]  # one message per student whose score changed since the page showed it


def _strings(text: str, what: str) -> list[str]:
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if not isinstance(found, list) or not all(isinstance(s, str) for s in found):
        raise SheetError(f"the form's {what} is broken: reload the page")
    return found


def _shown(form: Form, group: str) -> Score:
    text = form.get(f"shown-{group}")
    shown = _strings(text, "record of the scores shown") if text is not None else ["", ""]
    if len(shown) != 2:
        raise SheetError("the form's record of the scores shown is broken: reload the page")
    return shown[0], shown[1].strip()


def _told(score: Score) -> str:
    points, comment = score
    if not points:
        return "no score"
    return f"{points}" + (f" ({json.dumps(comment, ensure_ascii=False)})" if comment else "")


def _conflict(name: str, shown: Score, now: Score, typed: Score) -> str:
    return (f"{name}: this page showed {_told(shown)}, but {_told(now)} was saved since; "
            f"your {_told(typed)} was not saved")


def form_rows(view: PointView, form: Form) -> Saving:
    """One overrides row per student of each group given points (empty boxes are not saved),
    but for the students whose score in ``view`` (read just now) is not the one the page showed
    and not the one typed: those are conflicts."""
    p, rows, conflicts = view.point, [], []
    now = {a.student: (a.points, a.comment.strip()) for a in view.answers}
    for key, value in form.items():
        group = key.removeprefix("students-")
        points = form.get(f"points-{group}", "").strip()
        if group == key or not points:
            continue
        with contextlib.suppress(ValueError):  # not a number: the check in save_overrides names it
            points = number(float(points))
        typed, shown = (points, form.get(f"comment-{group}", "").strip()), _shown(form, group)
        for student in map(view.student, _strings(value, "list of students")):
            current = now.get(student, shown)  # a student of no answer here: save_overrides refuses it
            if current not in (shown, typed):
                conflicts.append(_conflict(view.names[student], shown, current, typed))
            else:
                rows.append([student, p.task, p.label, p.max_text, *typed])
    return Saving(rows, conflicts)


def refusal(saving: Saving) -> str:
    """The message of a save with conflicts (empty: none)."""
    if not saving.conflicts:
        return ""
    return ("Not saved, changed since this page was shown (the newer scores are shown now; "
            f"score again if needed): {'; '.join(saving.conflicts)}.")


def posted(view: PointView, form: Form) -> PointView:
    """The view with what the TA typed in its boxes, to show again beside a refusal (the scores
    it records as shown stay the ones read)."""
    typed = {g.id: (form.get(f"points-{g.id}", ""), form.get(f"comment-{g.id}", ""))
             for g in view.groups if f"points-{g.id}" in form}
    return replace(view, typed=typed)
