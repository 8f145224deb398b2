"""Finding a manual point's answer: by tag, by heading, or saying what was tried; always bounded."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from grader.grading import headings
from grader.grading.locate import (
    MAX_BLOCKS,
    MAX_IMAGES,
    MAX_REPORT,
    MAX_TEXT,
    GradedFile,
    RunView,
    locate_file,
    locate_notebook,
)
from grader.sandbox.job import CellError, CellOutput, CellOutputs, RunResult
from grader.sheet import load_sheet
from grader.sheet.kinds import Locate, ManualCheck

REPO = Path(__file__).resolve().parents[2]
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def point(answer: str, heading: str | None = None) -> ManualCheck:
    return ManualCheck(answer=answer, prompt="rubric", locate=Locate(heading=heading) if heading else None)


def md(source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "markdown", "source": source, "metadata": {"tags": tags or []}}


def code(source: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {"tags": tags or []}, "outputs": []}


def nb(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize(("label", "heading"), [
    ("1.4", "### 1.4 MLP for classification"), ("1.4", "## Task 1.4 (c)"), ("1.4", "**1.4** the answer"),
    ("1.4", "#1.4."), ("1.4", "## TASK   1.4:"), ("Exercise 4b", "## Exercise 4b"), ("4b", "## Exercise 4b"),
    ("Exercise 4b", "## 4b"), ("5", "## 5. σ′"), ("q5", "### Question 5"), ("1.4 (c)", "## 1.4(c)"),
])
def test_a_heading_is_matched_on_its_words(label, heading):
    found = list(headings.scan(0, heading))
    assert found, heading
    match, renamed = headings.find(found, label)
    assert match is not None and not renamed, (label, heading)


@pytest.mark.parametrize(("label", "heading"), [
    ("1.4", "## 1.4.1 Preliminaries"), ("1.4", "## 11.4"), ("1", "## 1.1"), ("1", "# Assignment 2.1"),
    ("4b", "## Exercise 4c"), ("1.4", "```\n# 1.4 in a fence\n```"),
])
def test_a_heading_that_names_another_point_does_not_match(label, heading):
    assert headings.find(list(headings.scan(0, heading)), label)[0] is None, (label, heading)


def test_locate_heading_is_validated_with_a_precise_error():
    with pytest.raises(ValidationError, match="one line with a letter or digit"):
        Locate(heading="**  **")
    with pytest.raises(ValidationError, match="one line"):
        Locate(heading="1.4\n1.5")


def test_the_tag_comes_first_and_several_tagged_cells_are_all_shown_and_flagged():
    notebook = nb(md("## 1.4\nheading text"), md("my answer", ["grader:1.4-c"]), code("x = 1"),
                  md("more", ["grader:1.4-c"]))
    found = locate_notebook([point("1.4-c", "1.4")], notebook, RunView())["1.4-c"]
    assert found.how == "tag" and [b.text for b in found.blocks] == ["my answer", "more"]
    assert found.detail == "2 cells tagged grader:1.4-c"
    assert found.flags == ["2 markdown cells carry the tag grader:1.4-c (cells 2, 4): all are shown"]


def test_a_text_and_a_code_cell_tagged_alike_are_the_handouts_answer_not_a_duplicate():
    notebook = nb(md("because …", ["grader:q5"]), code("plt.plot(z)", ["grader:q5"]))
    found = locate_notebook([point("q5")], notebook, RunView())["q5"]
    assert [b.kind for b in found.blocks] == ["markdown", "code"] and not found.flags


def test_the_cells_under_the_heading_up_to_the_next_of_the_same_level_with_the_runs_outputs():
    notebook = nb(md("# Sheet"), md("## 1.4 MLP\ntext"), code("print(1)"), md("### 1.4.1 sub"),
                  code("plot()"), md("intro\n## 1.5 next\nnot this"), code("y = 2"))
    run = RunView.of([CellOutputs(cell=2, outputs=[CellOutput(kind="text", name="stdout", text="1\n")]),
                      CellOutputs(cell=4, outputs=[CellOutput(kind="image", png_base64=PNG)])],
                     [CellError(index=4, kind="error", ename="NameError", evalue="plot")])
    found = locate_notebook([point("p", "1.4")], notebook, run)["p"]
    assert found.how == "heading" and "“1.4 MLP” (cell 2)" in found.detail and not found.flags
    assert [(b.kind, b.cell) for b in found.blocks] == [
        ("markdown", 2), ("code", 3), ("output", 3), ("markdown", 4), ("code", 5), ("image", 5),
        ("output", 5), ("markdown", 6)]
    assert found.blocks[-1].text == "intro" and found.blocks[-2].text == "NameError: plot"


def test_outputs_saved_in_the_file_are_never_shown_only_the_runs():
    cell = code("x = 1") | {"outputs": [{"output_type": "stream", "name": "stdout", "text": "forged"}]}
    found = locate_notebook([point("p", "1")], nb(md("## 1"), cell), RunView())["p"]
    assert "forged" not in json.dumps(found.model_dump())


def test_an_image_that_is_not_a_png_is_not_shown():
    run = RunView.of([CellOutputs(cell=1, outputs=[CellOutput(kind="image", png_base64="PHN2Zz4=")])], [])
    found = locate_notebook([point("p", "1")], nb(md("## 1"), code("x")), run)["p"]
    assert [b.kind for b in found.blocks] == ["markdown", "code"]


def test_a_renamed_heading_falls_back_and_says_so():
    notebook = nb(md("## Answer to 1.4", ["grader:other"]), md("text"))
    found = locate_notebook([point("1.4-c", "1.4")], notebook, RunView(), known=["other"])["1.4-c"]
    assert found.how == "heading"
    assert any("renamed" in f for f in found.flags)
    assert any("no cell carries the tag grader:1.4-c" in f for f in found.flags)


def test_not_located_says_what_was_tried():
    found = locate_notebook([point("1.4-c", "1.4")], nb(md("## 2 other"), code("x")), RunView())["1.4-c"]
    assert found.how == "not_located" and not found.blocks
    assert "grader:1.4-c" in found.detail and "“1.4”" in found.detail and "“2 other”" in found.detail


def test_a_tag_naming_no_point_is_flagged_on_the_nearest_point_before_it():
    notebook = nb(md("## 1\nfirst"), md("## 2\nsecond"), md("stray answer", ["grader:2-typo"]))
    found = locate_notebook([point("a", "1"), point("b", "2")], notebook, RunView())
    assert not found["a"].flags
    assert found["b"].flags == ["cell 3 is tagged 'grader:2-typo', which names no point of this sheet: "
                                "shown here, the point located nearest before it"]
    assert found["b"].blocks[-1].text == "stray answer"


def test_an_unreadable_notebook_and_a_script():
    assert locate_notebook([point("p", "1")], {"cells": 3}, RunView())["p"].how == "not_located"
    unreadable = locate_notebook([point("p", "1")], ["x"], RunView())["p"]
    assert unreadable.detail == "the notebook could not be read"
    weird = nb({"cell_type": "markdown", "source": 3, "metadata": {"tags": "grader:p"}}, "x", md("## 1\nok"))
    assert locate_notebook([point("p", "1")], weird, RunView())["p"].blocks[0].text == "## 1\nok"


def test_a_hostile_notebook_gives_a_bounded_report_quickly():
    big = "x" * 60_000
    cells = [md("## 1"), *(code(big, ["grader:nope"]) for _ in range(100_000))]
    outputs = [CellOutputs(cell=i, outputs=[CellOutput(kind="image", png_base64=PNG + "A" * 900_000)] * 20)
               for i in range(1, 300)]
    run = RunView.of(outputs, [])
    checks = [point(f"p{i}", "1") for i in range(12)]
    started = time.monotonic()
    found = locate_notebook(checks, nb(*cells), run)
    elapsed = time.monotonic() - started
    size = len(json.dumps({k: v.model_dump() for k, v in found.items()}))
    assert size < MAX_REPORT + 200_000, size
    for located in found.values():
        assert len(located.blocks) <= MAX_BLOCKS and located.omitted > 0
        assert all(len(b.text) <= MAX_TEXT for b in located.blocks)
        assert sum(len(b.png_base64 or "") for b in located.blocks) <= MAX_IMAGES
    assert elapsed < 30, f"{elapsed:.1f} s"  # generous: only a runaway loop fails this


SHEETS = ["inf264-ex4", "kiel-lab4", "sheet6-ffnn", "statphys-1", "waterloo-a2-1"]


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_every_manual_point_declares_how_it_is_located_and_the_reference_has_it(sheet_id):
    sheet = load_sheet(sheet_id)
    manual = [c for _, c in sheet.spec.checks() if isinstance(c, ManualCheck)]
    assert manual and all(c.locate is not None for c in manual)
    reference = REPO / "reference" / sheet_id / "solution.ipynb"
    found = locate_file(sheet, GradedFile(reference), RunResult(status="completed"))
    missing = {k: v.detail for k, v in found.items() if v.how not in ("tag", "heading") or not v.blocks}
    assert not missing
    assert not any(v.flags for v in found.values())


def test_seed004_answers_to_the_waterloo_manual_points_are_located_by_heading():
    sheet = load_sheet("waterloo-a2-1")
    path = REPO / "submissions_example" / "waterloo-a2-1" / "seed004" / "assignment2.ipynb"
    found = locate_file(sheet, GradedFile(path), RunResult(status="completed"))
    assert found["q5-plot-and-vanishing-gradient"].how == "heading"
    assert "σ′" in found["q5-plot-and-vanishing-gradient"].blocks[0].text
    assert found["q6-tanh-discussion"].how == "heading"
    assert "tanh" in found["q6-tanh-discussion"].blocks[0].text
    assert found["q1-equations"].how == "heading"  # the seed's handwritten equations of question 1
    assert "w_{31}(w_{11}x_1" in found["q1-equations"].blocks[0].text


def test_a_script_is_not_a_notebook_and_shows_its_source(tmp_path):
    script = tmp_path / "bob.py"
    script.write_text("# 5\nprint('hi')\n")
    found = locate_file(load_sheet("waterloo-a2-1"), GradedFile(script), RunResult(status="completed"))
    assert {v.how for v in found.values()} == {"not_a_notebook"}
    assert found["q1-equations"].blocks[0].text == "# 5\nprint('hi')\n"


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_without_its_tags_the_reference_is_located_by_the_declared_headings(sheet_id):
    sheet = load_sheet(sheet_id)
    notebook = json.loads((REPO / "reference" / sheet_id / "solution.ipynb").read_text())
    for cell in notebook["cells"]:
        cell["metadata"].pop("tags", None)
    manual = [c for _, c in sheet.spec.checks() if isinstance(c, ManualCheck)]
    found = locate_notebook(manual, notebook, RunView(), sheet.spec.answer_names())
    assert {k: v.how for k, v in found.items() if v.how != "heading" or not v.blocks} == {}
    assert not any(v.flags for v in found.values())
