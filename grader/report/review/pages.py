"""``OUT/review/``: an index of the manual points and one page per point with every answer.

The same pages serve ``grader review`` (static files, saved as CSV by a small inline script)
and ``grader review --serve`` (the same pages, posted to a loopback server).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from grader.report import ScoreReport
from grader.report.overrides import COLUMNS, graded_reports
from grader.report.review.grouping import Group, grouped
from grader.report.review.points import Answer, Earlier, Key, Point, answers_of, manual_points, saved_rows
from grader.report.review.pseudonyms import pseudonym, secret_of
from grader.report.review.render import located_html
from grader.report.writers.atomic import write_text
from grader.report.writers.templates import template
from grader.sheet import Sheet

FOLDER = "review"
OVERRIDES = "overrides.csv"


@dataclass(frozen=True)
class PointView:
    point: Point
    groups: list[Group]
    names: dict[str, str]  # student id → the name shown (the id, or a pseudonym)
    hidden: bool = False  # anonymous: the names are pseudonyms and no id is in the page
    typed: dict[str, tuple[str, str]] = field(default_factory=dict)  # group → its boxes, when refused

    def boxes(self, group: Group) -> tuple[str, str]:
        """The points and comment in a group's boxes: what was typed (a refused save), else its score.
        An earlier answer's score is shown beside them, never put in them: a save of the whole page
        would otherwise give it to every changed answer on it, read or not."""
        return self.typed.get(group.id, (group.first.points, group.first.comment))

    def key(self, student: str) -> str:
        """How the form names a student: its pseudonym when anonymous (the id stays on the server)."""
        return self.names[student] if self.hidden else student

    def keys(self, group: Group) -> list[str]:
        return [self.key(s) for s in group.students]

    @cached_property
    def _ids(self) -> dict[str, str]:
        return {name: student for student, name in self.names.items()}

    def student(self, key: str) -> str:
        """The id of a student the form names (an unknown name is kept: the save's check names it)."""
        return self._ids.get(key, key) if self.hidden else key

    @property
    def answers(self) -> list[Answer]:
        return [a for g in self.groups for a in g.answers]

    @property
    def scored(self) -> int:
        return sum(a.scored for a in self.answers)


def _link(out: Path, student: str, name: str, anonymous: bool, served: bool) -> str | None:
    """The executed notebook's address from a point's page. Anonymous: only served, by pseudonym
    (``serve`` maps it back); a static page would have to name the student's folder."""
    if not (out / student / "submission.html").is_file() or (anonymous and not served):
        return None
    return f"../submission/{quote(name, safe='')}" if anonymous else \
        f"../{quote(student, safe='')}/submission.html"


def views_of(sheet: Sheet, reports: Mapping[str, ScoreReport], names: dict[str, str],
             link: Callable[[str], str | None], saved: Mapping[Key, tuple[str, str]] | None = None,
             hidden: bool = False, earlier: Mapping[Key, Earlier] | None = None) -> list[PointView]:
    """Every manual point of ``sheet`` (none: []) with the students' answers grouped, in the order
    of the names shown (pseudonyms too: their order tells nothing of the ids)."""
    ordered = dict(sorted(reports.items(), key=lambda item: (names.get(item[0], item[0]), item[0])))
    return [PointView(p, grouped(answers_of(p, ordered, saved or {}, link, earlier)), names, hidden)
            for p in manual_points(sheet)]


def point_views(sheet: Sheet, out: Path, anonymous: bool = False, served: bool = False) -> list[PointView]:
    """The views of OUT: scores from the reports, then from OUT/overrides.csv (saved, not applied,
    for the answers the reports hold)."""
    reports = graded_reports(out)
    secret = secret_of(out / FOLDER) if anonymous else b""
    names = {s: pseudonym(secret, s) if anonymous else s for s in reports}
    return views_of(sheet, reports, names, lambda s: _link(out, s, names[s], anonymous, served),
                    saved_rows(out / OVERRIDES, reports), anonymous)


@cache
def _script() -> tuple[Markup, str]:
    """The inline script and its CSP hash (no other script can run on a page)."""
    text = template("review_script.js.j2").render()
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return Markup(text), f"'sha256-{digest}'"


def _data(view: PointView, served: bool) -> dict[str, object]:
    """What the Save as CSV button needs: the CSV names students, so an anonymous page (no ids in
    it) has no button and no ids here; each row records the digest of the answer shown."""
    p = view.point
    groups = {} if view.hidden else {g.id: [[a.student, a.digest] for a in g.answers] for g in view.groups}
    return {"columns": COLUMNS, "task": p.task, "point": p.label, "max": p.max_text, "file": f"{p.slug}.csv",
            "groups": groups, "served": served}


def render_point(view: PointView, *, token: str = "", notice: str = "", problem: str = "") -> str:
    """One point's page; ``token``: served by ``--serve`` (the form posts back to it)."""
    script, script_hash = _script()
    return template("review_point.html.j2").render(
        v=view, p=view.point, data=_data(view, bool(token)), script=script, script_hash=script_hash,
        token=token, notice=notice, problem=problem, located_html=located_html)


def render_index(sheet: Sheet, views: list[PointView]) -> str:
    return template("review_index.html.j2").render(sheet=sheet.spec, views=views)


def write_review(sheet: Sheet, out: Path, anonymous: bool = False) -> list[PointView]:
    """Write OUT/review/index.html and OUT/review/<point>.html."""
    views = point_views(sheet, out, anonymous)
    folder = out / FOLDER
    folder.mkdir(exist_ok=True)
    write_text(folder / "index.html", render_index(sheet, views))
    for view in views:
        write_text(folder / f"{view.point.slug}.html", render_point(view))
    return views
