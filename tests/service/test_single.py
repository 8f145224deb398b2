"""A second ``grader serve`` on the same state folder or database is refused before it sweeps or
re-queues anything (it would re-run jobs the first is grading, and delete their files)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.service.course import CourseError
from grader.service.db import default_url, make_engine, upgrade
from grader.service.single import only_server
from grader.service.state import open_database, state_folder
from tests.service.conftest import offer, write_course
from tests.service.postgres import free_port


def test_a_second_server_on_the_same_state_is_refused_until_the_first_stops(tmp_path: Path) -> None:
    state = state_folder(tmp_path, None)
    engine = open_database(default_url(state), create=True)
    with only_server(state, engine), \
            pytest.raises(CourseError, match=rf"another grader serve .*\(process {os.getpid()}, lock "), \
            only_server(state, open_database(default_url(state), create=True)):
        pass
    with only_server(state, engine):  # released when the first stopped
        pass


def test_a_sqlite_file_outside_the_state_folder_is_locked_too(tmp_path: Path) -> None:
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    one, two = state_folder(tmp_path / "one", None), state_folder(tmp_path / "two", None)
    with only_server(one, open_database(shared, create=True)), \
            pytest.raises(CourseError, match=r"shared\.db\.serve-lock"), \
            only_server(two, open_database(shared, create=True)):
        pass


def test_a_killed_server_leaves_no_stale_lock(tmp_path: Path) -> None:
    state = state_folder(tmp_path, None)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from grader.service.single import only_server; "
        "from grader.service.state import open_database; from grader.service.db import default_url; "
        f"s = Path({str(state)!r}); e = open_database(default_url(s), create=True)\n"
        "with only_server(s, e):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(CourseError, match=f"process {holder.pid}"), \
                only_server(state, open_database(default_url(state), create=True)):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with only_server(state, open_database(default_url(state), create=True)):
        pass


@pytest.mark.postgres
def test_on_postgresql_one_server_per_database_whatever_its_state_folder(
        tmp_path: Path, postgres_server: str) -> None:
    from tests.service.postgres import create_database

    url = create_database(postgres_server)
    upgrade(make_engine(url))
    one, two = state_folder(tmp_path / "one", None), state_folder(tmp_path / "two", None)
    with only_server(one, open_database(url, create=True)), \
            pytest.raises(CourseError, match="another grader serve is running on the database"), \
            only_server(two, open_database(url, create=True)):
        pass
    with only_server(two, open_database(url, create=True)):
        pass


@pytest.mark.runs_code
def test_grader_serve_says_so_and_sweeps_nothing(tmp_path: Path) -> None:
    course = write_course(tmp_path / "course", [offer()])
    state = state_folder(course, None)
    partial = state / "work" / "job-7"  # a running job's files, as the first server has them
    partial.mkdir(parents=True)
    with only_server(state, open_database(default_url(state), create=True)):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "grader.cli", "serve", str(course), "--port",
                               str(free_port()), "--unsafe-no-sandbox"], capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 2, done.stderr
    assert "error: another grader serve is running on this course's state or database" in done.stderr
    assert partial.is_dir() and time.monotonic() - started < 120
