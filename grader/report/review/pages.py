"""``OUT/review/``: an index of the manual points and one page per point with every answer.

The same pages serve ``grader review`` (static files, saved as CSV by a small inline script)
and ``grader review --serve`` (the same pages, posted to a loopback server).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from grader.report import ScoreReport
from grader.report.overrides import COLUMNS, graded_reports
from grader.report.review.grouping import Group, grouped
from grader.report.review.points import Answer, Key, Point, answers_of, manual_points, saved_rows
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

    @property
    def answers(self) -> list[Answer]:
        return [a for g in self.groups for a in g.answers]

    @property
    def scored(self) -> int:
        return sum(a.scored for a in self.answers)


def _link(out: Path, student: str) -> str | None:
    exists = (out / student / "submission.html").is_file()
    return f"../{quote(student, safe='')}/submission.html" if exists else None


def views_of(sheet: Sheet, reports: Mapping[str, ScoreReport], names: dict[str, str],
             link: Callable[[str], str | None], saved: Mapping[Key, tuple[str, str]] | None = None,
             ) -> list[PointView]:
    """Every manual point of ``sheet`` (none: []) with the students' answers grouped, in the order
    of the names shown (pseudonyms too: their order tells nothing of the ids)."""
    ordered = dict(sorted(reports.items(), key=lambda item: (names.get(item[0], item[0]), item[0])))
    return [PointView(p, grouped(answers_of(p, ordered, saved or {}, link)), names)
            for p in manual_points(sheet)]


def point_views(sheet: Sheet, out: Path, anonymous: bool = False) -> list[PointView]:
    """The views of OUT: scores from the reports, then from OUT/overrides.csv (saved, not applied)."""
    reports = graded_reports(out)
    secret = secret_of(out / FOLDER) if anonymous else b""
    names = {s: pseudonym(secret, s) if anonymous else s for s in reports}
    return views_of(sheet, reports, names, lambda s: _link(out, s), saved_rows(out / OVERRIDES))


@cache
def _script() -> tuple[Markup, str]:
    """The inline script and its CSP hash (no other script can run on a page)."""
    text = template("review_script.js.j2").render()
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return Markup(text), f"'sha256-{digest}'"


def _data(view: PointView, anonymous: bool, served: bool) -> dict[str, object]:
    """What the Save as CSV button needs (real ids included: the CSV must name students)."""
    p = view.point
    return {"columns": COLUMNS, "task": p.task, "point": p.label, "max": p.max_text, "file": f"{p.slug}.csv",
            "groups": {g.id: g.students for g in view.groups}, "anonymous": anonymous, "served": served}


def render_point(view: PointView, *, anonymous: bool = False, token: str = "", notice: str = "",
                 problem: str = "", reveal: bool = False) -> str:
    """One point's page; ``token``: served by ``--serve`` (the form posts back to it)."""
    script, script_hash = _script()
    return template("review_point.html.j2").render(
        v=view, p=view.point, data=_data(view, anonymous, bool(token)), script=script,
        script_hash=script_hash, token=token, notice=notice, problem=problem, hidden=anonymous and not reveal,
        located_html=located_html)


def render_index(sheet: Sheet, views: list[PointView]) -> str:
    return template("review_index.html.j2").render(sheet=sheet.spec, views=views)


def write_review(sheet: Sheet, out: Path, anonymous: bool = False) -> list[PointView]:
    """Write OUT/review/index.html and OUT/review/<point>.html."""
    views = point_views(sheet, out, anonymous)
    folder = out / FOLDER
    folder.mkdir(exist_ok=True)
    write_text(folder / "index.html", render_index(sheet, views))
    for view in views:
        write_text(folder / f"{view.point.slug}.html", render_point(view, anonymous=anonymous))
    return views
