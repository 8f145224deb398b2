"""What a TA does from the command line besides serving: roster, tokens, schema upgrades, regrades."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from grader.service import roster
from grader.service.course import CourseError, load_course
from grader.service.db import Regrade, Student, Token, default_url, make_engine, reading, transaction, upgrade
from grader.service.regrade import RegradeResult, regrade_result, start_regrade
from grader.service.state import Service, open_database, state_folder


def database_url(course: Path, db: str | None, state: Path | None) -> str:
    """``db``, or the state folder's SQLite file; the state folder is made either way (links go there)."""
    folder = state_folder(course, state)
    return db or default_url(folder)


def upgrade_database(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    return engine.url.render_as_string(hide_password=True)


@dataclass(frozen=True)
class RosterResult:
    imported: roster.Imported
    links: Path


def import_roster(course: Path, csv_path: Path, links: Path, base_url: str, url: str) -> RosterResult:
    load_course(course)  # a broken course.yaml is better told now than at `grader serve`
    people = roster.read_roster(csv_path)
    engine = open_database(url, create=True)
    with transaction(sessionmaker(engine)) as session:
        result = roster.import_roster(session, people)
        _write_private(links, roster.links_csv(base_url, result.links))
    return RosterResult(result, links)


def fresh_links_path(folder: Path) -> Path:
    """A new file for each import's links: a later import must not overwrite links not mailed yet."""
    stamp, n = time.strftime("%Y%m%dT%H%M%S"), 0
    path = folder / f"links-{stamp}.csv"
    while path.exists():
        n += 1
        path = folder / f"links-{stamp}-{n}.csv"
    return path


def _write_private(path: Path, text: str) -> None:
    """The links are passwords: readable by their owner only, written before the import commits,
    never over an earlier file (it may hold links not mailed yet: only their hashes are kept)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CourseError(f"{path} exists and may hold links not mailed yet: "
                          "choose another --links") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def student_token(url: str, student_id: str, *, new: bool, revoke_only: bool) -> tuple[int, str | None]:
    """Tokens revoked, and the new secret when one was issued."""
    engine = open_database(url, create=True)
    with transaction(sessionmaker(engine)) as session:
        student = session.get(Student, student_id)
        if student is None:
            raise CourseError(f"no student {student_id!r} in the roster (`grader roster import` first)")
        revoked = roster.revoke(session, student_id) if new or revoke_only else 0
        secret = roster.issue(session, "student", student.name, student_id) if new else None
        if not new and not revoke_only:
            revoked = -len(list(session.scalars(select(Token).where(
                Token.student_id == student_id, Token.revoked_at.is_(None)))))
        return revoked, secret


def ta_token(url: str, name: str) -> str:
    engine = open_database(url, create=True)
    with transaction(sessionmaker(engine)) as session:
        return roster.issue(session, "ta", name)


def regrade_now(svc: Service, sheet_id: str, poll_s: float = 0.5) -> RegradeResult:
    """Queue the sheet's counted submissions, grade them here (and on any server sharing the
    database), and say who gained and lost points."""
    offered = svc.course.offer(sheet_id)
    if offered is None:
        raise CourseError(f"no sheet {sheet_id!r} in this course: {', '.join(svc.course.sheets)}")
    svc.sheets.get(sheet_id, recheck=True)
    with transaction(svc.factory) as session:
        regrade_id = start_regrade(session, offered[0], sheet_id)
    svc.pool.start()
    try:
        while True:
            with reading(svc.factory) as session:
                result = regrade_result(session, offered[0], session.get_one(Regrade, regrade_id))
            if not result.pending:
                return result
            time.sleep(poll_s)
    finally:
        svc.pool.stop()
