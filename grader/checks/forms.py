"""The form of an answer: its type and shape without its value, and whether a student's answer has it.

A public lock (``grader lock --public``) records the form of each reference answer and of each
visible probe's output, so that ``grader check`` can tell a student "expected numbers of shape
(3, 2), got a list of 2 items" or "returned None" without holding a single expected value: a form
holds types, shapes, lengths and a dict's text keys (the names a sheet asks for), never a number
or a text of the value (a number is "a number", a text or a choice "a text", None "a value").
The rules mirror :func:`grader.checks.compare.compare`:
a list of numbers is an array, ints and floats are both numbers, lists and tuples are both
sequences, and under the ``lenient`` shape rule a one-element array stands for a number.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from grader.checks.compare import describe_kind, is_numeric
from grader.frozen import Frozen
from grader.harness.wire import CallableRef, Unsupported
from grader.sheet.kinds import ShapeRule

FormType = Literal["numbers", "bool", "text", "sequence", "dict", "function", "other"]
MAX_ITEMS = 50  # a longer sequence is described by its length alone


class Form(Frozen):
    type: FormType
    shape: list[int] | None = Field(None, description="numbers: the array's shape ([] for one number)")
    length: int | None = Field(None, description="sequence, dict: how many items")
    items: list[Form] | None = Field(None, description="sequence: the form of each item")
    entries: dict[str, Form] | None = Field(None, description="dict with text keys: the form under each key")

    def describe(self) -> str:
        if self.type == "numbers":
            return "a number" if not self.shape else f"numbers of shape {tuple(self.shape)}"
        if self.type == "sequence":
            return f"a sequence of {self.length} items"
        if self.type == "dict":
            keys = f" with keys {sorted(self.entries)}" if self.entries is not None else ""
            return f"a dict{keys}"
        return {"bool": "True or False", "text": "a text (str)", "function": "a function",
                "other": "a value"}[self.type]


def form_of(value: Any) -> Form:
    """The form of a decoded wire value: never any of its numbers or texts (text dict keys aside)."""
    if isinstance(value, bool):
        return Form(type="bool")
    if is_numeric(value):
        return Form(type="numbers", shape=list(np.asarray(value, dtype=float).shape))
    if isinstance(value, str):
        return Form(type="text")
    if isinstance(value, CallableRef):
        return Form(type="function")
    if isinstance(value, list | tuple):
        items = [form_of(v) for v in value] if len(value) <= MAX_ITEMS else None
        return Form(type="sequence", length=len(value), items=items)
    if isinstance(value, dict):
        texts = all(isinstance(k, str) for k in value)  # other keys are values (sizes, rates)
        return Form(type="dict", length=len(value),
                    entries={k: form_of(v) for k, v in value.items()} if texts else None)
    return Form(type="other")  # None among them: its form would be the value itself


def _at(path: str) -> str:
    return f"{path}: " if path else ""


def form_problem(got: Any, form: Form, shape: ShapeRule = "lenient", path: str = "") -> str | None:
    """Why ``got`` cannot be the answer ``form`` describes (None when its form fits)."""
    if isinstance(got, Unsupported):
        return f"{_at(path)}got {describe_kind(got)}, expected {form.describe()}"
    if form.type == "numbers":
        return _numbers_problem(got, form.shape or [], shape, path)
    if form.type == "sequence":
        return _sequence_problem(got, form, shape, path)
    if form.type == "dict":
        return _dict_problem(got, form, shape, path)
    fits = {"bool": isinstance(got, bool), "text": isinstance(got, str),
            "function": isinstance(got, CallableRef), "other": True}[form.type]
    return None if fits else f"{_at(path)}got {describe_kind(got)}, expected {form.describe()}"


def returned_problem(call: str, function: str, got: Any, form: Form,
                     shape: ShapeRule = "lenient") -> str | None:
    """Why what the visible probe ``call`` returned cannot be what the reference's ``function``
    returns there: its form only, never the value."""
    if got is None and form.type != "other":
        return f"{call} returned None; {function} returns {form.describe()} on this sheet (`return` missing?)"
    why = form_problem(got, form, shape)
    return f"{call} returned a value of the wrong form: {why}" if why else None


def _numbers_problem(got: Any, want: list[int], shape: ShapeRule, path: str) -> str | None:
    wanted = "a number" if not want else f"numbers of shape {tuple(want)}"
    if not is_numeric(got):
        what = (f"a ragged or non-numeric {type(got).__name__}" if isinstance(got, list | tuple)
                else describe_kind(got))
        return f"{_at(path)}got {what}, expected {wanted}"
    have = np.asarray(got, dtype=float).shape
    one_element = shape == "lenient" and np.prod(have) == 1 == np.prod(want) and (not want or not have)
    if tuple(have) == tuple(want) or one_element:
        return None
    return f"{_at(path)}got shape {tuple(have)}, expected shape {tuple(want)}"


def _sequence_problem(got: Any, form: Form, shape: ShapeRule, path: str) -> str | None:
    if not isinstance(got, list | tuple):
        return f"{_at(path)}got {describe_kind(got)}, expected {form.describe()}"
    if len(got) != form.length:
        return f"{_at(path)}got {len(got)} items, expected {form.length}"
    for i, (item, item_form) in enumerate(zip(got, form.items or [], strict=False)):
        if (problem := form_problem(item, item_form, shape, f"{path}[{i}]")) is not None:
            return problem
    return None


def _dict_problem(got: Any, form: Form, shape: ShapeRule, path: str) -> str | None:
    if not isinstance(got, dict):
        return f"{_at(path)}got {describe_kind(got)}, expected {form.describe()}"
    if form.entries is None:
        return None if len(got) == form.length else f"{_at(path)}got {len(got)} keys, expected {form.length}"
    by_text = {str(k): v for k, v in got.items()}  # as compare does: {10: …} and {"10": …} match
    missing = [k for k in form.entries if k not in by_text]
    if missing:
        return f"{_at(path)}missing keys {missing}"
    for key, entry in form.entries.items():
        if (problem := form_problem(by_text[key], entry, shape, f"{path}[{key!r}]")) is not None:
            return problem
    return None
