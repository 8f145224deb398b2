"""The service's database: tables, engine, sessions and schema upgrades (Alembic).

SQLite by default (one file in the course's state folder, WAL, every transaction ``BEGIN
IMMEDIATE`` so there is one writer at a time, which is what makes claiming a job atomic there);
PostgreSQL by URL, where claims use ``SELECT … FOR UPDATE SKIP LOCKED``. Times are stored in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def now() -> datetime:
    return datetime.now(timezone.utc)


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class Student(Base):
    __tablename__ = "students"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(300))


class Token(Base):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the secret
    role: Mapped[str] = mapped_column(String(10))  # student | ta
    student_id: Mapped[str | None] = mapped_column(ForeignKey("students.id"), index=True)
    label: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SubmissionRow(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), index=True)
    sheet_id: Mapped[str] = mapped_column(String(100), index=True)
    filename: Mapped[str] = mapped_column(String(300))  # as the student named it: hostile text
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    late_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(10))  # queued | running | done
    report_json: Mapped[str | None] = mapped_column(Text)  # byte for byte the CLI's report.json
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Regrade(Base):
    __tablename__ = "regrades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    before_json: Mapped[str] = mapped_column(Text)  # student -> counted score before


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    regrade_id: Mapped[int | None] = mapped_column(ForeignKey("regrades.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), index=True)  # queued | running | done
    runs: Mapped[int] = mapped_column(Integer, default=0)  # > 1: a crash interrupted a run
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ManualPoint(Base):
    __tablename__ = "manual_points"
    __table_args__ = (UniqueConstraint("sheet_id", "student_id", "task", "point"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[str] = mapped_column(String(100))
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    task: Mapped[str] = mapped_column(String(100))
    point: Mapped[str] = mapped_column(String(100))
    points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text)
    # The answer the score was given for: answer_digest of it (NULL: stored before answers were
    # recorded, applies to any answer) and the submission holding it (the counted one when scored
    # in the pages; for a CSV row naming its answer, one that holds it; NULL: none does)
    submission_id: Mapped[int | None] = mapped_column(Integer)
    answer_sha256: Mapped[str | None] = mapped_column(String(64))


_READ_ONLY = "grader_read_only"


def default_url(state: Path) -> str:
    return f"sqlite:///{state / 'grader.db'}"


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(conn: Connection) -> None:
    """A transaction that may write takes the write lock at once (BEGIN IMMEDIATE: a read that
    later writes would otherwise fail, not wait, if another writer came between); a read-only one
    (:func:`reading`) takes none, and reads the last commit without waiting for writers (WAL)."""
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")


def _sqlite_connect(dbapi: Any, _record: Any) -> None:
    dbapi.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN IMMEDIATE itself
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=60000"):
        dbapi.execute(f"PRAGMA {pragma}")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work, committed on success, rolled back on any exception."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only unit of work (what a request shows): on SQLite it never waits for the queue's
    or the uploads' writes. PostgreSQL refuses a write in it (so the tests there catch one)."""
    with factory() as session, session.begin():
        connection = session.connection(execution_options={_READ_ONLY: True})
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        yield session


def _alembic(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    command.upgrade(_alembic(engine), "head")


def is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(_alembic(engine)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head
