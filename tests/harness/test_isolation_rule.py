"""The harness runs next to student code: it must import nothing from the grading side."""

import ast
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "grader" / "harness"


def test_harness_imports_nothing_from_grader():
    for path in HARNESS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "grader" for n in names), f"{path.name} imports {names}"
