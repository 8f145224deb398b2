"""The digest of a manual point's answer (grader/grading/answers.py): of everything the TA reads for it,
in full, and of nothing else; and an nbformat-3 notebook read as the harness runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.grading.executed import executed_notebook
from grader.grading.locate import MAX_BLOCKS, GradedFile, RunView, locate_notebook, locate_script
from grader.report.located import Located, answer_digest
from grader.sandbox.job import CellOutput, RunResult
from tests.grading.test_locate import code, md, nb, point


def _located(notebook: dict[str, Any], run: RunView | None = None, name: str = "p") -> Located:
    return locate_notebook([point("p", "1"), point("q", "2")], notebook, run or RunView())[name]


def test_a_digest_is_of_the_written_cells_whatever_their_characters() -> None:
    """A blank Markdown cell is no answer; a lone surrogate (JSON may escape one) is hashed, not an error."""
    located = _located(json.loads('{"cells": [{"cell_type": "markdown", "source": "## 1\\n\\ud800"}]}'))
    assert located.how == "heading" and answer_digest(located) == located.digest != ""
    answer = [md("## 1"), code("x = 1")]
    written = _located(nb(*answer)).digest
    assert _located(nb(*answer, md(" \n"))).digest == written != _located(nb(*answer[:1])).digest


def test_a_section_past_the_block_bound_is_hashed_to_its_end_and_no_further() -> None:
    def notebook(last: str, after: str) -> dict[str, Any]:
        filler = [code(f"x{i}") for i in range(MAX_BLOCKS + 5)]
        return nb(md("## 1"), *filler, code(last), md("## 2"), code(after))

    base = _located(notebook("last = 1", "y"))
    assert base.omitted
    assert _located(notebook("last = 2", "y")).digest != base.digest
    assert _located(notebook("last = 1", "z")).digest == base.digest  # point 2's answer


def test_outputs_do_not_change_a_digest_and_a_stray_tag_shown_with_an_answer_does() -> None:
    def notebook(aside: str, tags: list[str]) -> dict[str, Any]:
        return nb(md("## 1"), code("plot()"), md("## 2"), md("answer"), md("## 3 notes"), md(aside, tags))

    plain = notebook("aside", [])
    printed = RunView({1: [CellOutput(kind="text", text="0.9")]})
    assert _located(plain).digest == _located(plain, printed).digest
    assert _located(notebook("other", []), name="q").digest == _located(plain, name="q").digest
    stray = _located(notebook("aside", ["grader:nothing"]), name="q")
    assert stray.flags and stray.digest != _located(plain, name="q").digest
    assert _located(notebook("other", ["grader:nothing"]), name="q").digest != stray.digest


def test_a_script_is_hashed_whole_past_what_its_block_shows() -> None:
    head = "#" * 30_000 + "\n"
    first, second = (locate_script([point("p")], head + f"answer = {v}")["p"] for v in (1, 2))
    assert first.blocks == second.blocks and first.digest != second.digest


def _v3(tmp_path: Path) -> Path:
    cells = [{"cell_type": "heading", "level": 2, "source": "1 Preliminaries", "metadata": {}},
             {"cell_type": "code", "input": "x = 1", "language": "python", "outputs": [], "metadata": {}},
             {"cell_type": "markdown", "source": "because", "metadata": {"tags": ["grader:q"]}}]
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                "worksheets": [{"cells": cells}]}))
    return path


def test_an_nbformat_3_notebook_is_read_as_the_harness_runs_it(tmp_path: Path) -> None:
    """Its heading cell becomes Markdown, its code's ``input`` the source: cell numbers are the run's."""
    notebook = json.loads(_v3(tmp_path).read_text())
    by_heading, by_tag = _located(notebook), _located(notebook, name="q")
    assert (by_heading.how, [(b.kind, b.text) for b in by_heading.blocks]) == (
        "heading", [("markdown", "## 1 Preliminaries"), ("code", "x = 1"), ("markdown", "because")])
    assert (by_tag.how, by_tag.blocks[0].cell) == ("tag", 3)
    page = executed_notebook(GradedFile(_v3(tmp_path)), "old.ipynb", RunResult(status="completed"))
    assert [(c.kind, c.source) for c in page.cells] == [
        ("markdown", "## 1 Preliminaries"), ("code", "x = 1"), ("markdown", "because")]


def test_a_notebook_nbformat_cannot_upgrade_is_unreadable_not_an_error() -> None:
    located = _located({"nbformat": 3, "worksheets": "none"})
    assert (located.how, located.detail) == ("not_located", "the notebook could not be read")


def test_two_unreadable_notebooks_are_two_answers(tmp_path: Path) -> None:
    """The TA reads an unreadable file as it is: a score given on one does not carry to another."""
    from grader.grading.locate import locate_file
    from grader.sheet import load_sheet

    sheet = load_sheet("inf264-ex4")
    digests = []
    files = ("{not json: 1.1 (a) re-init", "{not json: 1.1 (a) no idea", "{not json: 1.1 (a) no idea")
    for i, text in enumerate(files):
        path = tmp_path / f"{i}.ipynb"
        path.write_text(text)
        located = locate_file(sheet, GradedFile(path), RunResult(status="invalid_submission"))
        assert {loc.detail for loc in located.values()} == {"the notebook could not be read"}
        digests.append(answer_digest(next(iter(located.values()))))
    assert digests[0] != digests[1] == digests[2] != answer_digest(None)
