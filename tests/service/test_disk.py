"""A full disk: the upload is refused with 507 and a clear message, and nothing of it is kept."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from grader.service import storage
from grader.service.db import JobRow, SubmissionRow, transaction
from tests.service.conftest import EXAMPLES, Live, upload

FULL = "the server cannot store your file right now (its disk is full or read-only); nothing was kept"


def kept(server: Live) -> tuple[int, int, list[str]]:
    """Rows, jobs and files in the blob store."""
    with transaction(server.svc.factory) as session:
        rows, queued = session.query(SubmissionRow).count(), session.query(JobRow).count()
    return rows, queued, sorted(p.name for p in server.svc.store.folder.iterdir())


def onto_a_full_disk(store: storage.BlobStore) -> Path:
    """The upload's temporary file is /dev/full: every write the kernel flushes fails with ENOSPC."""
    link = store.folder / f".upload-full{storage.PARTIAL}"
    link.symlink_to("/dev/full")
    return link


def no_space_to_sync(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["writing", "syncing"])
def test_a_full_disk_keeps_nothing(live, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    server = live()
    store = server.svc.store
    script = (EXAMPLES / "bob.py").read_bytes() + b"# more than one buffer: a write fails mid-stream\n" * 400
    before = kept(server)
    with monkeypatch.context() as patch, server.client("bob") as bob:
        if where == "writing":
            patch.setattr(store, "start", lambda: onto_a_full_disk(store))
        else:
            patch.setattr(os, "fsync", no_space_to_sync)
        refused = upload(bob, "inf264-ex4", "bob.py", script)
    assert refused.status_code == 507, refused.text
    assert FULL in refused.json()["detail"]
    assert kept(server) == before == (0, 0, [])
    with server.client("bob") as bob:  # space again: the same upload is taken
        assert upload(bob, "inf264-ex4", "bob.py", script).status_code == 202
    rows, queued, files = kept(server)
    assert (rows, queued, len(files)) == (1, 1, 1) and not files[0].endswith(storage.PARTIAL)
