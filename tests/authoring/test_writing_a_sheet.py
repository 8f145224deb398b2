"""docs/writing-a-sheet.md cannot rot: its sheet is built from its code blocks and must work.

Blocks with ``title=PATH`` are files (written over the scaffold's); blocks with ``cell`` are the
reference notebook's cells in order (``markdown cell`` or ``python cell``, ``tags=a,b``)."""

import re
from pathlib import Path

import pytest
from nbformat import v4

from grader.authoring.assign import assign
from grader.authoring.handout import write_notebook
from grader.authoring.scaffold import new_sheet
from grader.grading.reference import check_reference, lock_sheet
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet

PAGE = Path(__file__).resolve().parents[2] / "docs" / "writing-a-sheet.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)

pytestmark = pytest.mark.runs_code


def _blocks() -> list[tuple[str, dict[str, str], str]]:
    found = []
    for lang, info, body in BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        attrs = dict(part.partition("=")[::2] for part in info.split())
        found.append((lang, attrs, body))
    return found


def test_the_page_builds_a_sheet_whose_reference_scores_full_marks(tmp_path):
    blocks = _blocks()
    files = {attrs["title"]: body for _, attrs, body in blocks if "title" in attrs}
    cells = [(lang, attrs.get("tags", ""), body.rstrip("\n"))
             for lang, attrs, body in blocks if "cell" in attrs]
    assert set(files) == {"sheets/softmax-ce/sheet.yaml", "sheets/softmax-ce/derive.py"} and len(cells) == 9
    new_sheet("softmax-ce", tmp_path)
    for rel, body in files.items():
        (tmp_path / rel).write_text(body, encoding="utf-8")
    notebook = v4.new_notebook(cells=[
        (v4.new_code_cell if lang == "python" else v4.new_markdown_cell)(
            source, metadata={"tags": tags.split(",")} if tags else {})
        for lang, tags, source in cells])
    write_notebook(notebook, tmp_path / "reference" / "softmax-ce" / "solution.ipynb")

    sheet = load_sheet(tmp_path / "sheets" / "softmax-ce")
    assert {c.kind for _, c in sheet.spec.checks()} == {"value", "function", "finite_difference", "manual"}
    lock_sheet(sheet, ProcessRunner())
    handout = assign(sheet, tmp_path / "handout", ProcessRunner())
    assert handout.path.name == "softmax-ce.ipynb" and handout.report.score == 0
    result = check_reference(sheet, ProcessRunner())
    assert result.ok, result.problems
    assert result.report is not None and result.report.score == sheet.spec.max_score - 1  # 1: manual


def test_the_page_names_every_command_of_the_path():
    text = PAGE.read_text(encoding="utf-8")
    for command in ("grader new", "grader lock", "grader assign", "grader check-reference",
                    "grader check softmax-ce", "--junit"):
        assert command in text, command
