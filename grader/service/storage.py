"""Uploads, stored durably: size-checked while they stream in, named by their sha256, fsync'd.

A file is written under a temporary name, flushed to disk, renamed to its hash and the folder
flushed too; only then may its row be committed. Whatever is refused or interrupted leaves at
most a ``.partial`` file, which :meth:`BlobStore.sweep` removes at start-up.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.service.course import CourseError
from grader.service.library import remove_tree

PARTIAL = ".partial"


class TooLarge(Exception):
    """The upload passed the course's limit."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    path: Path


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, suffix=PARTIAL):
                pass
        except OSError as exc:
            raise CourseError(f"the state folder {folder} is not writable: {exc.strerror}") from None

    def path(self, sha256: str) -> Path:
        return self.folder / sha256

    def sweep(self) -> int:
        stale = list(self.folder.glob(f"*{PARTIAL}"))
        for path in stale:  # an upload's file, or the folder its zip was test-unpacked into
            remove_tree(path)
        return len(stale)

    def start(self) -> Path:
        fd, name = tempfile.mkstemp(dir=self.folder, prefix=".upload-", suffix=PARTIAL)
        os.close(fd)
        return Path(name)

    def keep(self, tmp: Path) -> Stored:
        """The temporary file made durable under its hash (an identical earlier upload is reused)."""
        sha, size = hashlib.sha256(), 0
        with tmp.open("rb") as fh:
            while block := fh.read(1 << 20):
                sha.update(block)
                size += len(block)
            os.fsync(fh.fileno())
        final = self.path(sha.hexdigest())
        os.replace(tmp, final)
        fsync_dir(self.folder)
        return Stored(sha.hexdigest(), size, final)
