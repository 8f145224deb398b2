"""``model``: the grader judges the student's trained Keras model on its own inputs.

Inside the sandbox only a real Keras model with trainable weights is called (through keras'
own ``__call__``, ``training=False``, never its ``predict``), and the harness says what it
called. Here anything else fails with what it was, and every verdict names the class, layers
and trainable parameter count, so a TA sees what was judged. The metric and its accepted range
are judged as for ``range`` (``grader.checks.accepted``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import Field, ValidationError

from grader.checks import accepted
from grader.checks.base import Context, Outcome
from grader.frozen import Frozen
from grader.sheet.training import ModelCheck


class Layer(Frozen):
    name: str
    class_: str = Field(alias="class")
    units: int | None = None


class Described(Frozen):
    """What the harness reports of the object it was given (see ``harness/extract._predict``)."""

    keras: bool
    class_: str = Field(alias="class")
    layers: list[Layer] = Field(default_factory=list)
    n_layers: int = 0
    trainable_params: int = 0


def check(spec: ModelCheck, ctx: Context) -> Outcome:
    results = ctx.predictions.get(spec.answer)
    if not results:
        return ctx.missing(spec.answer, "defined (a trained model)")
    model = _described(results[0].model)
    if model is None or not model.keras:
        kind = f"of type `{_clean(model.class_)}`" if model else "something the grader could not identify"
        return Outcome("failed", 0.0, f"`{spec.answer}` is {kind}, not a trained Keras model: build it "
                       "with keras and fit it.")
    if not model.trainable_params:
        return Outcome("failed", 0.0, f"`{spec.answer}` is a Keras model with no trainable weights, not "
                       f"a trained one: build it with layers that learn and fit it. {judged(model)}")
    if results[0].error is not None:
        return Outcome("error", 0.0, f"{accepted.subject(spec)} cannot be judged: calling "
                       f"`{spec.answer}` on the grader's inputs raised {results[0].error}. {judged(model)}")
    outcome = accepted.check(spec, ctx)
    return replace(outcome, message=f"{outcome.message} {judged(model)}")


def _described(raw: Mapping[str, Any] | None) -> Described | None:
    # The description comes from the student's process: a malformed one identifies nothing.
    try:
        return Described.model_validate(raw) if raw is not None else None
    except ValidationError:
        return None


def judged(model: Described) -> str:
    """One sentence: the class, its layers (name, class, units) and its trainable parameters."""
    shown = [f"`{_clean(layer.name)}` {_clean(layer.class_)}"
             + ("" if layer.units is None else f"({layer.units})") for layer in model.layers]
    more = model.n_layers - len(shown)
    layers = "; ".join(shown + ([f"… {more} more"] if more > 0 else [])) or "none listed"
    count = model.trainable_params
    return (f"Judged: `{_clean(model.class_)}` with {model.n_layers} layer"
            f"{'' if model.n_layers == 1 else 's'} ({layers}), {count:,} trainable parameter"
            f"{'' if count == 1 else 's'}.")


def _clean(name: str) -> str:
    return name.replace("`", "'")  # a backtick would end the code span in the feedback
