import nbformat
import pytest
from nbformat import v4

from grader.authoring.handout import ANSWER_HERE, CODE_HERE, build_handout
from grader.sheet import SheetError


def _notebook(*cells):
    return v4.new_notebook(cells=list(cells))


def _tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def test_solutions_are_emptied_hidden_cells_dropped_outputs_cleared_other_tags_kept():
    code = v4.new_code_cell("x = 1\n# BEGIN SOLUTION\ny = 2\n# END SOLUTION", execution_count=3,
                            outputs=[v4.new_output("stream", text="hi")])
    nb = _notebook(
        v4.new_markdown_cell("# Title"),
        code,
        _tagged(v4.new_code_cell("secret = 1"), "hidden"),
        _tagged(v4.new_code_cell("def f():\n    return 1"), "solution", "keep-me"),
        _tagged(v4.new_markdown_cell("## 1b\n\nThe proof: …"), "solution", "grader:1b-proof"),
    )
    handout = build_handout(nb, "sheet x", labels=["1b"])
    cells = handout.notebook.cells
    assert [c.source for c in cells] == ["# Title", "x = 1\n...", CODE_HERE, f"## 1b\n{ANSWER_HERE}"]
    assert cells[1].outputs == [] and cells[1].execution_count is None
    assert cells[2].metadata["tags"] == ["keep-me"] and cells[3].metadata["tags"] == ["grader:1b-proof"]
    assert handout.emptied == {1, 2, 3} and handout.dropped == 1
    assert nb.cells[1].source.startswith("x = 1\n# BEGIN"), "the reference itself is not changed"
    nbformat.validate(handout.notebook)


def test_a_reference_without_markers_is_refused_by_name():
    with pytest.raises(SheetError, match=r"reference of demo .*nothing would be removed"):
        build_handout(_notebook(v4.new_code_cell("x = 1")), "reference of demo (solution.ipynb)")


def test_unpaired_markers_name_the_cell_and_line():
    nb = _notebook(v4.new_markdown_cell("# T"), v4.new_code_cell("a = 1\n# BEGIN SOLUTION\nb = 2"))
    nb.cells[1]["id"] = "abc"
    with pytest.raises(SheetError,
                       match=r"demo: cell 2 \(code, id abc\): line 2: # BEGIN SOLUTION is never closed"):
        build_handout(nb, "demo")


def test_markers_in_a_markdown_cell_are_refused():
    nb = _notebook(v4.new_markdown_cell("text\n# BEGIN SOLUTION\nx\n# END SOLUTION"))
    with pytest.raises(SheetError, match=r"cell 1 \(markdown.*lines \[2, 4\]: .*tag the cell 'solution'"):
        build_handout(nb, "demo")


def test_a_solution_cell_keeps_only_the_headings_of_the_question_or_of_the_sheet():
    nb = _notebook(
        v4.new_markdown_cell("## 4 Which activation avoids vanishing gradients?"),
        _tagged(v4.new_markdown_cell("## 4 Which activation avoids vanishing gradients?\n### (b) ReLU\n"
                                     "#### Exercise 4c\n# ReLU, since its slope is 1"), "solution"),
    )
    handout = build_handout(nb, "demo", labels=["4c"])
    assert handout.notebook.cells[1].source == (
        f"## 4 Which activation avoids vanishing gradients?\n#### Exercise 4c\n{ANSWER_HERE}")


def test_a_solution_cell_made_of_headings_only_keeps_none_without_labels():
    nb = _notebook(_tagged(v4.new_markdown_cell("## 1b\n### ReLU"), "solution"))
    assert build_handout(nb, "demo").notebook.cells[0].source == ANSWER_HERE
    assert build_handout(nb, "demo", labels=["1b"]).notebook.cells[0].source == f"## 1b\n{ANSWER_HERE}"


def test_origin_maps_each_handout_cell_to_its_reference_cell():
    nb = _notebook(v4.new_markdown_cell("a"), _tagged(v4.new_code_cell("x"), "hidden"),
                   _tagged(v4.new_code_cell("y"), "solution"))
    assert build_handout(nb, "demo").origin == (0, 2)
