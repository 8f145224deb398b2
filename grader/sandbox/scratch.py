"""Scratch folders for one run, removed whatever the submission left in them.

A submission can leave a tree 3,000 levels deep, 100,000 files or folders it made unreadable;
``shutil.rmtree`` recurses (RecursionError past ~1,000 levels) and stops at the first folder it
may not enter. So ``shutil.rmtree`` removes the common tree (no process to start: a fork of a
large grading process per job is not free), and GNU ``rm -rf``, which walks any depth without
recursion, removes whatever it left, after making every folder writable where an unprivileged run
took the rights away.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything in it; a folder that cannot be removed is a grader error."""
    with contextlib.suppress(OSError, RecursionError):
        shutil.rmtree(path)  # symlink-safe (fd-based) on Linux
    for command in (["rm", "-rf", "--", str(path)],
                    ["chmod", "-R", "u+rwX", "--", str(path)], ["rm", "-rf", "--", str(path)]):
        if not os.path.lexists(path):
            return
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    if os.path.lexists(path):
        raise OSError(f"could not remove the scratch folder {path}")


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A fresh private folder, removed on the way out."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        remove_tree(path)
