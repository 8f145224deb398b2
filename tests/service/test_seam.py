"""The service is a second face over the grading library: it reaches the library through one
module (grader/service/library.py), never around it."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "grader" / "service"
ALLOWED = ("grader.service", "grader.frozen")


def test_only_library_py_imports_the_grading_library() -> None:
    around = []
    for path in sorted(SERVICE.rglob("*.py")):
        if path.name == "library.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            around += [f"{path.relative_to(SERVICE)}:{node.lineno} {name}" for name in names
                       if name.startswith("grader") and not name.startswith(ALLOWED)]
    assert not around, f"import through grader/service/library.py instead: {around}"
