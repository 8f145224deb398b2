"""Transactions: a request that only reads never queues behind the workers' and uploads' writes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from grader.service.db import Student, make_engine, reading, transaction, upgrade


def factory_for(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


def test_on_sqlite_a_read_does_not_wait_for_a_write_in_progress(tmp_path: Path) -> None:
    factory = factory_for(f"sqlite:///{tmp_path / 'grader.db'}")
    with transaction(factory) as session:
        session.add(Student(id="alice", name="Alice", email="a@example.org"))
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with transaction(factory) as session:
            session.add(Student(id="bob", name="Bob", email="b@example.org"))
            session.flush()
            writing.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        started = time.monotonic()
        with reading(factory) as session:
            seen = sorted(s.id for s in session.query(Student))
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert seen == ["alice"]  # the last commit, not the write in progress
    assert waited < 2.0  # a BEGIN IMMEDIATE would have waited for the writer (10 s)


@pytest.mark.postgres
def test_on_postgresql_a_write_in_a_read_is_refused(postgres_server: str) -> None:
    """So the PostgreSQL runs of the service tests catch a request that writes in ``reading``."""
    from tests.service.postgres import create_database

    factory = factory_for(create_database(postgres_server))
    with pytest.raises(DBAPIError, match="read-only transaction"), reading(factory) as session:
        session.add(Student(id="mallory", name="M", email="m@example.org"))
        session.flush()
    with reading(factory) as session:
        assert session.get(Student, "mallory") is None
