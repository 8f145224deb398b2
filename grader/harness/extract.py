"""Read the answers a submission left behind and call its functions on the probe inputs.

Runs inside the submission's process (the kernel, or the script's interpreter), after the
student's code. It never sees expected values: only answer names and probe inputs. Every
failure is recorded per answer or per probe, so one bad answer cannot hide the others.
"""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

_MAX_ERROR = 500


def _sibling(name: str) -> ModuleType:
    # Loaded by path so a student's module of the same name cannot shadow it; loaded once, so the
    # kernel's set-up code and the extraction share the same preamble (and its figure snapshots).
    if f"_grader_{name}" in sys.modules:
        return sys.modules[f"_grader_{name}"]
    spec = importlib.util.spec_from_file_location(f"_grader_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


wire = _sibling("wire")
preamble = _sibling("preamble")
cells = _sibling("cells")
# Bound when this module loads: in a script run that is before any student code, so patching
# json or os later cannot break writing the results. (In a notebook the kernel loads it after the
# student's cells; the driver, which writes the final result, still has its own early copy.)
_dumps, _open, _fdopen, _write = json.dumps, os.open, os.fdopen, os.write


class ProbeTimeout(BaseException):
    """Raised in the main thread when a probe call runs past its time limit."""


def describe(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # a hostile __str__ must not break extraction
        text = f"{type(exc).__name__} (its message could not be shown)"
    return text[:_MAX_ERROR]


def _encode_answer(value: Any) -> Any:
    try:
        return wire.encode(value)
    except BaseException as exc:
        return {"$unsupported": f"could not serialize: {describe(exc)}"}


def _call_with_timeout(fn: Any, args: list[Any], seconds: float) -> Any:
    if threading.current_thread() is not threading.main_thread():
        return fn(*args)  # no SIGALRM here; the runner's wall clock still bounds the run
    with cells.time_limit(seconds, ProbeTimeout):
        return fn(*args)


class ChainError(Exception):
    """An argument computed by another of the student's functions could not be computed."""


def _arg(encoded: Any, namespace: dict[str, Any], seconds: float) -> Any:
    """Decode one argument; ``{"$call": f, "args": [...], "item": i}`` is ``f(*args)[i]``."""
    if isinstance(encoded, dict) and "$call" in encoded:
        fn = namespace.get(encoded["$call"])
        if not callable(fn):
            raise ChainError(f"`{encoded['$call']}` is not defined as a function")
        try:
            value = _call_with_timeout(fn, [_arg(a, namespace, seconds) for a in encoded["args"]], seconds)
            return value if encoded.get("item") is None else value[encoded["item"]]
        except (ChainError, ProbeTimeout):
            raise
        except BaseException as exc:
            why = f"computing its input with `{encoded['$call']}` raised {describe(exc)}"
            raise ChainError(why) from None
    return wire.decode(encoded)  # fresh copies: calls may mutate them


def _probe(fn: Any, call: dict[str, Any], namespace: dict[str, Any], seconds: float) -> dict[str, Any]:
    try:
        args = [_arg(a, namespace, seconds) for a in call["args"]]
        output = _call_with_timeout(fn, args, seconds)
        if call.get("item") is not None:
            output = output[call["item"]]
    except ProbeTimeout:
        return {"error": f"timed out after {seconds:g} s"}
    except ChainError as exc:
        return {"error": str(exc)}
    except BaseException as exc:
        return {"error": describe(exc)}
    return {"output": _encode_answer(output)}


def _predict(model: Any, encoded: Any, seconds: float) -> dict[str, Any]:
    """Call a Keras model with trainable weights on the grader's inputs; refuse anything else.

    Its own ``predict`` is never used (an override may return anything): the real
    ``keras.Model.__call__`` runs its ``call`` with ``training=False``.
    """
    base = _keras_model_class(model)
    if base is None:
        kind = type(model).__name__[:_MAX_NAME]  # the real type: a `__class__` property cannot change it
        return {"error": f"it is of type {kind}, not a Keras model", "model": {"keras": False, "class": kind}}
    try:
        described = _call_with_timeout(_describe_model, [base, model], seconds)
    except ProbeTimeout:
        return {"error": f"reading its layers timed out after {seconds:g} s", "model": _named(model)}
    except BaseException as exc:
        return {"error": f"its layers could not be read: {describe(exc)}", "model": _named(model)}
    if not described["trainable_params"]:
        return {"error": "it has no trainable weights", "model": described}
    outcome = _probe(lambda x: base.__call__(model, x, training=False), {"args": [encoded]}, {}, seconds)
    return {**outcome, "model": described}


_KERAS_MODULES = ("keras", "tf_keras")  # Keras 3 (also tf.keras since TF 2.16), legacy Keras 2
_MAX_LAYERS, _MAX_NAME = 100, 100  # a model's description stays small


def _keras_model_class(model: Any) -> Any:
    """The loaded ``keras.Model`` class that ``model`` really derives from, if any.

    Only modules already imported are looked at: if the student never imported keras, nothing
    they defined can be a Keras model (and importing TensorFlow here would cost seconds).
    """
    for module_name in _KERAS_MODULES:
        base = getattr(sys.modules.get(module_name), "Model", None)
        if not isinstance(base, type) or base.__module__.split(".")[0] != module_name:
            continue
        # isinstance alone consults a `__class__` property; the type's own MRO cannot lie.
        if isinstance(model, base) and base in type(model).__mro__:
            return base
    return None


def _named(model: Any) -> dict[str, Any]:
    return {"keras": True, "class": type(model).__name__[:_MAX_NAME]}


def _describe_model(base: Any, model: Any) -> dict[str, Any]:
    """Class, layers and trainable parameter count, read through keras' own properties
    (a subclass overriding ``trainable_weights`` or ``layers`` is not asked)."""
    weights = base.trainable_weights.__get__(model, type(model))
    layers = [layer for layer in base.layers.__get__(model, type(model))
              if type(layer).__name__ != "InputLayer"]
    shown = [{"name": str(layer.name)[:_MAX_NAME], "class": type(layer).__name__,
              "units": _units(layer)} for layer in layers[:_MAX_LAYERS]]
    return {**_named(model), "layers": shown, "n_layers": len(layers),
            "trainable_params": sum(_size(w.shape) for w in weights)}


def _size(shape: Any) -> int:
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


def _units(layer: Any) -> int | None:
    units = getattr(layer, "units", None)
    return units if type(units) is int else None


def _calls(namespace: dict[str, Any], probes: dict[str, Any], seconds: float) -> dict[str, Any]:
    outcomes: dict[str, list[dict[str, Any]]] = {}
    for name, calls in probes.items():
        fn = namespace.get(name)
        if callable(fn):  # otherwise reported as a missing function by the grader
            outcomes[name] = [_probe(fn, call, namespace, seconds) for call in calls]
    return outcomes


def collect(namespace: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """Answers, visible probes, predictions and figures. What the calls print is dropped: the
    run log a student reads comes from their cells only."""
    answers = {name: _encode_answer(namespace[name]) for name in job["answers"] if name in namespace}
    with _silenced():
        probes = _calls(namespace, job["probes"], job["probe_timeout_s"])
        predictions = {name: [_predict(namespace[name], x, job["model_timeout_s"]) for x in inputs]
                       for name, inputs in (job.get("models") or {}).items() if name in namespace}
    figures = preamble.figures() if job.get("figures") else []
    return {"answers": answers, "probes": probes, "predictions": predictions, "figures": figures,
            "removed": preamble.PRESENCE.removed(namespace), "training": _sibling("training").records()}


def secret_outcomes(namespace: dict[str, Any], calls: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The hidden probes, called once the first frame (answers, log) has left the sandbox."""
    with _silenced():
        return {"probes": _calls(namespace, calls, seconds)}


class _silenced:
    """sys.stdout and sys.stderr into /dev/null for the duration (restored whatever happens)."""

    def __enter__(self) -> None:
        self.saved = sys.stdout, sys.stderr
        self.sink = open(os.devnull, "w")
        sys.stdout = sys.stderr = self.sink

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self.saved
        self.sink.close()


def write_answers(namespace: dict[str, Any], job_path: str, out_path: str) -> None:
    """Entry point used in a kernel after the student's code: collect and write JSON to a new file."""
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    write_new_json(out_path, collect(namespace, job))


def write_secret(namespace: dict[str, Any], calls_path: str, out_path: str, seconds: float) -> None:
    """Entry point used in a kernel for the hidden probes (see :func:`secret_outcomes`)."""
    with open(calls_path, encoding="utf-8") as fh:
        calls = json.load(fh)
    write_new_json(out_path, secret_outcomes(namespace, calls, seconds))


def write_new_json(path: str, data: Any) -> None:
    """Write JSON to a file that must not exist yet (and is never reached through a symlink)."""
    payload = _dumps(data, allow_nan=False)
    fd = _open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with _fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(payload)


def write_frame(fd: int, data: Any) -> None:
    """One frame on the result channel: the length in ASCII, a newline, the JSON."""
    payload = _dumps(data, allow_nan=False).encode("utf-8")
    view = memoryview(str(len(payload)).encode("ascii") + b"\n" + payload)
    while view:
        view = view[_write(fd, view):]


def read_private_json(path: str, max_bytes: int) -> Any:
    """A JSON file the kernel wrote for the driver: a regular file, size-capped, never a FIFO."""
    fd = _open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with _fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{os.path.basename(path)} is not a regular file")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{os.path.basename(path)} is larger than {max_bytes} bytes")
    return json.loads(data)
