"""The people: the roster a TA imports, and the secret tokens behind everyone's personal link.

Only a token's sha256 is stored; the secret is shown once (in the links CSV or on the terminal).
Re-importing a roster updates names and emails and issues tokens to new students only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grader.service.course import CourseError
from grader.service.db import Student, Token, now
from grader.service.library import csv_cell

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
ROSTER_COLUMNS = ("id", "name", "email")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, role: str, label: str, student_id: str | None = None) -> str:
    """A new secret for ``role``; the caller shows it once."""
    secret = secrets.token_urlsafe(32)
    session.add(Token(digest=digest(secret), role=role, student_id=student_id, label=label,
                      created_at=now()))
    return secret


def revoke(session: Session, student_id: str) -> int:
    result = session.execute(update(Token).where(Token.student_id == student_id, Token.revoked_at.is_(None))
                             .values(revoked_at=now()))
    return int(getattr(result, "rowcount", 0) or 0)


def active_token(session: Session, secret: str) -> Token | None:
    return session.scalar(select(Token).where(Token.digest == digest(secret), Token.revoked_at.is_(None)))


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str


def read_roster(path: Path) -> list[Person]:
    """Every row, or a CourseError naming every bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path}: cannot be read as UTF-8 text: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CourseError(f"{path}: missing columns {missing}; expected a header line id,name,email")
    people, problems, seen = [], [], set()
    for line, row in enumerate(reader, 2):
        person = Person(*((row.get(c) or "").strip() for c in ROSTER_COLUMNS))
        where = f"{path.name} line {line}"
        if not ID_PATTERN.match(person.id):
            problems.append(f"{where}: id {person.id!r} is not letters, digits and . _ @ - (at most 100)")
        elif person.id.casefold() in seen:
            problems.append(f"{where}: id {person.id!r} appears twice")
        if not person.name:
            problems.append(f"{where}: the name is empty")
        if person.email.count("@") != 1 or any(c.isspace() for c in person.email):
            problems.append(f"{where}: email {person.email!r} is not an address")
        seen.add(person.id.casefold())
        people.append(person)
    if problems:
        raise CourseError("roster not imported: " + "; ".join(problems))
    return people


@dataclass(frozen=True)
class Imported:
    added: list[str]
    updated: list[str]
    links: list[tuple[Person, str]]  # new students and their secrets


def import_roster(session: Session, people: list[Person]) -> Imported:
    added, updated, links = [], [], []
    for person in people:
        row = session.get(Student, person.id)
        if row is None:
            session.add(Student(id=person.id, name=person.name, email=person.email))
            session.flush()
            links.append((person, issue(session, "student", person.name, person.id)))
            added.append(person.id)
        elif (row.name, row.email) != (person.name, person.email):
            row.name, row.email = person.name, person.email
            updated.append(person.id)
    return Imported(added, updated, links)


def link(base_url: str, secret: str) -> str:
    return f"{base_url.rstrip('/')}/login?token={secret}"


def links_csv(base_url: str, links: list[tuple[Person, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "name", "email", "link"])
    for person, secret in links:
        writer.writerow([person.id, csv_cell(person.name), csv_cell(person.email), link(base_url, secret)])
    return buf.getvalue()
