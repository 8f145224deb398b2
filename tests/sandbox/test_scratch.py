"""Scratch removal: whatever a run left (any depth, folders it locked, links out) goes, and only it."""

from __future__ import annotations

import os
from pathlib import Path

from grader.sandbox.scratch import remove_tree


def test_a_deep_locked_tree_with_a_link_out_is_removed_and_the_target_kept(tmp_path: Path) -> None:
    outside = tmp_path / "keep"
    outside.mkdir()
    (outside / "precious").write_text("x")
    root = tmp_path / "scratch"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for _ in range(3000):  # past shutil.rmtree's recursion and PATH_MAX, as a run can make it
        os.mkdir("d", dir_fd=fd)
        fd, old = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(old)
    os.close(fd)
    (root / "out").symlink_to(outside)
    (root / "locked").mkdir()
    (root / "locked" / "f").write_text("y")
    os.chmod(root / "locked", 0)
    remove_tree(root)
    assert not root.exists() and (outside / "precious").read_text() == "x"
