"""A throwaway PostgreSQL server for the test session: initdb and pg_ctl in a temporary folder.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user. Outside
CI a machine without PostgreSQL skips these tests (saying why); in CI (``CI`` set) it fails them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bindir() -> Path | None:
    found = shutil.which("pg_config")
    candidates = []
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        candidates.append(out)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return next((Path(c) for c in candidates if (Path(c) / "pg_ctl").is_file()
                 and (Path(c) / "postgres").is_file()), None)


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {why} (.ci/install installs Debian's postgresql)")
    pytest.skip(f"no PostgreSQL here: {why}; `apt-get install postgresql` to run these tests")


def start_postgres() -> Iterator[str]:
    bindir = _bindir()
    if bindir is None:
        _unavailable("no pg_ctl/postgres binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
        return
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run the server as")
            return
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port, data = free_port(), root / "data"
    try:
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
                        "-o", f"-p {port} -h 127.0.0.1 -k {root} -c fsync=off", "start"],
                       check=True, capture_output=True)
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def create_database(server: str) -> str:
    import psycopg

    name = f"grader_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # a generated name, not input
    return f"{server}/{name}"
