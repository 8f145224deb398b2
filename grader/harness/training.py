"""What the submission trained: every Keras ``fit`` call, recorded next to the answers.

The sheets leave optimizer, activation, batch size and validation split to the student; the
grader judges trained results against the calibration of the configuration the student actually
built, so the harness wraps ``keras.Model.fit`` (right after Keras defines it) and records, per
call that returned: optimizer class and learning rate, the hidden layers' activations, batch
size, epochs, validation (``validation_split`` or ``validation_data``) and the number of input
features. At most 50 records; a model the recorder cannot read is left out, never an error.

Imports nothing from the grader; loaded by path (see ``preamble``).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

_MAX_RECORDS = 50
_MODULE = "keras.src.models.model"  # Keras 3: Model, the base of Sequential and functional models
RECORDS: list[dict[str, Any]] = []


def install(patch_after_import: Callable[[str, Callable[[ModuleType], None]], Any]) -> None:
    """``patch_after_import(name, patch)``: the preamble's import hook."""
    if _MODULE in sys.modules:
        _patch(sys.modules[_MODULE])
    else:
        sys.meta_path.insert(0, patch_after_import(_MODULE, _patch))


def _patch(module: ModuleType) -> None:
    model_class = module.Model
    fit = model_class.fit
    if getattr(fit, "_grader_records", False):
        return
    try:
        signature: inspect.Signature | None = inspect.signature(fit)
    except (TypeError, ValueError):
        signature = None

    @functools.wraps(fit)
    def grader_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        history = fit(self, *args, **kwargs)
        if len(RECORDS) < _MAX_RECORDS:
            with contextlib.suppress(Exception):  # an exotic model is not recorded; training went on
                RECORDS.append(record(self, _arguments(signature, self, args, kwargs), history))
        return history

    grader_fit._grader_records = True  # type: ignore[attr-defined]
    model_class.fit = grader_fit


def _arguments(signature: inspect.Signature | None, model: Any, args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> dict[str, Any]:
    if signature is None:
        return dict(kwargs)
    return dict(signature.bind(model, *args, **kwargs).arguments)


def record(model: Any, arguments: dict[str, Any], history: Any) -> dict[str, Any]:
    """One fit call as plain JSON."""
    optimizer = getattr(model, "optimizer", None)
    params = getattr(history, "params", None) or {}
    shape = getattr(arguments.get("x"), "shape", None)
    batch = arguments.get("batch_size")
    if batch is None and shape is not None:
        batch = 32  # Keras's default for arrays; a dataset brings its own batches
    split = arguments.get("validation_split") or 0
    validation = "split" if split else "data" if arguments.get("validation_data") is not None else "none"
    return {"optimizer": type(optimizer).__name__.lower() if optimizer is not None else None,
            "learning_rate": _number(getattr(optimizer, "learning_rate", None)),
            "activations": _hidden_activations(model), "batch_size": _integer(batch),
            "epochs": _integer(params.get("epochs", arguments.get("epochs", 1))),
            "validation": validation,
            "input_dim": _integer(math.prod(shape[1:])) if shape is not None and len(shape) > 1 else None}


def _hidden_activations(model: Any) -> list[str]:
    """Non-linear activations of every layer but the output (the last layer that has one)."""
    names = [getattr(layer.activation, "__name__", str(layer.activation))
             for layer in getattr(model, "layers", []) if hasattr(layer, "activation")]
    return [str(n) for n in names[:-1] if n != "linear"]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):  # a schedule, or no optimizer
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def records() -> list[dict[str, Any]]:
    """The records, rebuilt from plain values only (the submission could reach this list)."""
    out = []
    for item in list(RECORDS)[:_MAX_RECORDS]:
        try:
            if type(item) is dict:
                out.append({_plain(k): _plain(v) for k, v in list(item.items())[:10]})
        except Exception:  # a record the submission replaced by something hostile is dropped
            continue
    return out


def _plain(value: Any) -> Any:
    """Exact built-in types only: a subclass could bring its own methods."""
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) in (int, type(None)):
        return value
    if type(value) is list:
        return [_plain(v) for v in value[:20] if type(v) is str]
    return value[:40] if type(value) is str else None
