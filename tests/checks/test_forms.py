"""Answer forms: what a public lock records of a value, and the same shape rules as compare()."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.forms import Form, form_of, form_problem
from grader.harness.wire import CallableRef, Unsupported


def test_forms_keep_types_and_shapes_never_values():
    assert form_of(3) == form_of(2.5) == Form(type="numbers", shape=[])
    matrix = Form(type="numbers", shape=[3, 2])
    assert form_of(np.zeros((3, 2))) == form_of([[1, 2], [3, 4], [5, 6]]) == matrix
    assert form_of(True) == Form(type="bool") and form_of("X1X2") == Form(type="text")
    assert form_of(("relu", 0.5)) == Form(type="sequence", length=2,
                                          items=[Form(type="text"), Form(type="numbers", shape=[])])
    assert form_of({"a": "x"}).entries == {"a": Form(type="text")}
    assert form_of({10: 0.5, 20: 0.6}) == Form(type="dict", length=2)  # keys that are values stay out
    assert form_of(CallableRef("f")) == Form(type="function")
    assert "X1X2" not in form_of({"k": "X1X2"}).model_dump_json()


@pytest.mark.parametrize(("got", "want", "rule", "problem"), [
    (np.zeros(3), [3], "lenient", None),
    ([1, 2, 3], [3], "lenient", None),
    (np.zeros((3, 1)), [3], "lenient", "got shape (3, 1), expected shape (3,)"),
    (np.array([7.0]), [], "lenient", None),
    (np.array([7.0]), [], "exact", "got shape (1,), expected shape ()"),
    (7.0, [1], "lenient", None),
    (np.zeros((1,)), [1, 1], "lenient", "got shape (1,), expected shape (1, 1)"),
    ("three", [], "lenient", "got a str, expected a number"),
    ([[1, 2], [3]], [2, 2], "lenient", "got a ragged or non-numeric list, expected numbers of shape (2, 2)"),
    (True, [], "lenient", "got a bool, expected a number"),
])
def test_numbers_follow_the_shape_rules_of_compare(got, want, rule, problem):
    assert form_problem(got, Form(type="numbers", shape=want), rule) == problem


def test_sequences_dicts_texts_and_functions():
    pair = form_of(("sigmoid", "bce"))
    assert form_problem(["a", "b"], pair) is None  # a list stands for a tuple, as in compare
    assert form_problem(("a",), pair) == "got 1 items, expected 2"
    assert form_problem(("a", 1), pair) == "[1]: got a int, expected a text (str)"
    answer = form_of({"a": ("x", "y"), "b": "z"})
    assert form_problem({"a": ["p", "q"], "b": "r"}, answer) is None
    assert form_problem({"a": ["p", "q"]}, answer) == "missing keys ['b']"
    assert form_problem({10: 1.0}, form_of({10: 0.5})) is None
    assert form_problem(CallableRef("f"), Form(type="numbers", shape=[])) == \
        "got a function (f), expected a number"
    assert form_problem(Unsupported("torch.nn.Linear"), Form(type="text")) == \
        "got an object of unsupported type torch.nn.Linear, expected a text (str)"
    assert form_problem(None, Form(type="function")) == "got None, expected a function"
