"""The README's commands and code are what they say: its Python example runs as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.runs_code, pytest.mark.sandbox]
REPO = Path(__file__).resolve().parent.parent


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)


def test_the_library_example_runs_as_printed(tmp_path, monkeypatch, capsys):
    (example,) = [b for b in python_blocks() if "grade_batch" in b]
    (tmp_path / "submissions_example").symlink_to(REPO / "submissions_example")
    monkeypatch.chdir(tmp_path)  # as from the repository root, without writing into it
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "('alice', " in printed and (tmp_path / "out" / "inf264-ex4" / "gradebook.csv").is_file()
