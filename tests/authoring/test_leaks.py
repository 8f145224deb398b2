"""The handout's expected values: found where kept code or the run shows them, not in the statement."""

import numpy as np
import pytest

from grader.authoring.leaks import leaked
from grader.report.executed import ExecutedCell, ExecutedNotebook
from grader.report.located import LocatedBlock

ANSWERS = {"y_hat": 0.6224593312, "loss": 0.0713, "n": 2, "half": 0.5, "weights": np.array([0.1234567, 3.0]),
           "word": "rectified linear unit", "short": "ReLU", "flag": True}


def _run(*cells: ExecutedCell) -> ExecutedNotebook:
    return ExecutedNotebook(file="h.ipynb", cells=list(cells))


def _code(source: str, output: str = "", cell: int = 1) -> ExecutedCell:
    outputs = [LocatedBlock(kind="output", cell=cell, text=output)] if output else []
    return ExecutedCell(kind="code", cell=cell, source=source, outputs=outputs)


@pytest.mark.parametrize("source, names", [
    ("print('y_hat should be 0.6225')", ["y_hat"]),          # rounded as written
    ("expected = 6.2246e-1", ["y_hat"]),
    ("# loss: 0.0713", ["loss"]),
    ("w0 = .123", ["weights"]),                              # an array's element
    ("# the answer is Rectified Linear Unit", ["word"]),     # a string, case ignored
    ("x, w, b = 2.0, 0.5, -0.5\nn = 10\nlr = 0.001\nt = 100", []),  # trivial numbers
    ("y = 0.6226\nz = 0.62", []),                            # another number; too few digits
    ("act = 'ReLU'\nok = True", []),                         # a short string, a boolean
    ("v = 10.6225", []),                                     # no partial matches inside a number
])
def test_a_value_in_kept_code_is_found_and_trivial_ones_are_not(source, names):
    found = leaked(ANSWERS, _run(_code(source)), frozenset())
    assert [f.split("'")[1] for f in found] == names, found


def test_a_value_the_run_prints_is_found_in_its_output():
    assert leaked(ANSWERS, _run(_code("print(f())", output="0.62246")), frozenset()) == ["'y_hat' in cell 1"]


def test_the_statement_is_not_searched_but_an_emptied_markdown_cell_is():
    statement = ExecutedCell(kind="markdown", cell=1, source="Given: the loss is 0.0713")
    emptied = ExecutedCell(kind="markdown", cell=2, source="## y_hat = 0.6225\n_Your answer here._")
    assert leaked(ANSWERS, _run(statement, emptied), frozenset({1})) == ["'y_hat' in cell 2"]


def test_no_run_no_leak():
    assert leaked(ANSWERS, None, frozenset()) == []
