"""A review page's form as sent back: each group's students, points and comment, as overrides rows.

The page (static, ``--serve`` or the service's) names its fields ``students-<group>`` (a JSON list
of ids, or of pseudonyms on an anonymous page: :meth:`PointView.student` maps them back),
``shown-<group>`` (the points and comment the page showed), ``points-<group>`` and
``comment-<group>``; the rows are then checked as ``grader apply-overrides`` checks a file.

A page can be stale (another TA, another tab saved since it was rendered, the student handed in
again): a student whose score is no longer what the page showed, or whose answer is not the one
it showed, is a conflict, not saved (the newer score stays) and named to the TA; the other
students of the same save are saved. ``shown-<group>`` is ``[points, comment, digests]``: each
member's ``answer_digest`` in the order of ``students-<group>`` (``[points, comment]`` from a page
rendered before digests were recorded: not checked; a regrade into OUT changes a batch's answers
too). A form without ``shown-`` fields is taken to have shown no score: it can fill an empty
score, never overwrite one. Each row records the answer it scores (the overrides CSV's
``answer``): the one the page showed, else the one read now.
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


def _broken(what: str) -> SheetError:
    return SheetError(f"the form's {what} is broken: reload the page")


def _parsed(text: str, what: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        raise _broken(what) from None


def _strings(found: object, what: str) -> list[str]:
    if not isinstance(found, list) or not all(isinstance(s, str) for s in found):
        raise _broken(what)
    return found


def _shown(form: Form, group: str, students: list[str]) -> tuple[Score, dict[str, str]]:
    """The score the page showed a group, and the digest of each student's answer it showed
    (none recorded: {})."""
    what, text = "record of the scores shown", form.get(f"shown-{group}")
    shown = _parsed(text, what) if text is not None else ["", ""]
    if not isinstance(shown, list) or len(shown) not in (2, 3):
        raise _broken(what)
    points, comment = _strings(shown[:2], what)
    digests = _strings(shown[2], what) if len(shown) == 3 else None
    if digests is not None and len(digests) != len(students):
        raise _broken(what)
    return (points, comment.strip()), dict(zip(students, digests or [], strict=False))


def _told(score: Score) -> str:
    points, comment = score
    if not points:
        return "no score"
    return f"{points}" + (f" ({json.dumps(comment, ensure_ascii=False)})" if comment else "")


def _conflict(name: str, shown: Score, now: Score, typed: Score) -> str:
    return (f"{name}: this page showed {_told(shown)}, but {_told(now)} was saved since; "
            f"your {_told(typed)} was not saved")


def _answer_changed(name: str, typed: Score) -> str:
    return f"{name}: the answer changed since this page was loaded (handed in again); your {_told(typed)} " \
        "was not saved"


def form_rows(view: PointView, form: Form) -> Saving:
    """One overrides row per student of each group given points (empty boxes are not saved),
    but for the students whose answer in ``view`` (read just now) is not the one the page showed,
    or whose score is neither the one the page showed nor the one typed: those are conflicts."""
    p, rows, conflicts = view.point, [], []
    now = {a.student: a for a in view.answers}
    for key, value in form.items():
        group = key.removeprefix("students-")
        points = form.get(f"points-{group}", "").strip()
        if group == key or not points:
            continue
        with contextlib.suppress(ValueError):  # not a number: the check in save_overrides names it
            points = number(float(points))
        listed = "list of students"
        students = [view.student(s) for s in _strings(_parsed(value, listed), listed)]
        typed = (points, form.get(f"comment-{group}", "").strip())
        shown, digests = _shown(form, group, students)
        for student in students:
            answer = now.get(student)  # a student of no answer here: save_overrides refuses it
            current = (answer.points, answer.comment.strip()) if answer else shown
            if answer and digests.get(student, answer.digest) != answer.digest:
                conflicts.append(_answer_changed(view.names[student], typed))
            elif current not in (shown, typed):
                conflicts.append(_conflict(view.names[student], shown, current, typed))
            else:
                shown_answer = digests.get(student, answer.digest if answer else "")
                rows.append([student, p.task, p.label, p.max_text, *typed, shown_answer])
    return Saving(rows, conflicts)


def refusal(saving: Saving) -> str:
    """The message of a save with conflicts (empty: none)."""
    if not saving.conflicts:
        return ""
    return ("Not saved, changed since this page was shown (the newer answers and scores are shown now; "
            f"score again if needed): {'; '.join(saving.conflicts)}.")


def posted(view: PointView, form: Form) -> PointView:
    """The view with what the TA typed in its boxes, to show again beside a refusal (the scores
    it records as shown stay the ones read)."""
    typed = {g.id: (form.get(f"points-{g.id}", ""), form.get(f"comment-{g.id}", ""))
             for g in view.groups if f"points-{g.id}" in form}
    return replace(view, typed=typed)
