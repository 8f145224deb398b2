"""The JSON wire format for values crossing the sandbox boundary.

Both sides import this file: the harness (inside the sandbox, next to student code) and the
grader. It imports only the standard library, and numpy lazily when a value is a numpy value,
so it can run before, after or without the student's imports.

Encoding rules (types are matched exactly, never with ``isinstance``, so a subclass with a
lying ``__eq__``/``__float__``/``__array__`` is reported, not trusted):

=====================  ===========================================================
Python value           JSON
=====================  ===========================================================
None, bool, int, str   themselves
float                  itself if finite, else ``{"$f": "nan" | "inf" | "-inf"}``
complex                ``{"$complex": [re, im]}``
list                   JSON array
tuple                  ``{"$tuple": [...]}``
dict                   ``{"$dict": [[key, value], ...]}`` (keys keep their type)
numpy scalar           the Python scalar it holds
numpy array            ``{"$array": {"dtype": "float64", "shape": [...], "data": [...]}}``
TF / torch / JAX       converted with ``numpy.asarray`` then as a numpy array
tensor
callable               ``{"$callable": name}``
anything else          ``{"$unsupported": "module.TypeName"}``
=====================  ===========================================================
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

MAX_ITEMS = 2_000_000
MAX_DEPTH = 32
MAX_STR = 100_000
_NUMERIC_KINDS = "biuf"
_TENSOR_MODULES = {"tensorflow", "torch", "jax", "jaxlib", "keras"}
_TAGS = {"$f", "$complex", "$tuple", "$dict", "$array", "$callable", "$unsupported"}


@dataclass(frozen=True)
class Unsupported:
    """A value the wire cannot carry; only its type name crosses the boundary."""

    typename: str


@dataclass(frozen=True)
class CallableRef:
    """A function (or other callable) the submission defined; called only through probes."""

    name: str


class WireError(ValueError):
    """Raised when decoding JSON that does not follow the wire format."""


class _Budget:
    def __init__(self) -> None:
        self.items = 0

    def spend(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise WireError(f"value has more than {MAX_ITEMS} elements")


def typename(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "?")
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def encode(value: Any) -> Any:
    """Encode ``value`` as JSON data; raises WireError when it is too large or too deep."""
    return _encode(value, 0, _Budget())


def _float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"$f": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _encode(value: Any, depth: int, budget: _Budget) -> Any:
    if depth > MAX_DEPTH:
        raise WireError(f"value is nested deeper than {MAX_DEPTH} levels")
    budget.spend(1)
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is str:
        return value if len(value) <= MAX_STR else {"$unsupported": f"str of {len(value)} chars"}
    if kind is int:
        return value if abs(value) < 2**63 else _float(float(value))
    if kind is float:
        return _float(value)
    if kind is complex:
        return {"$complex": [_float(value.real), _float(value.imag)]}
    if kind is list or kind is tuple:
        items = [_encode(v, depth + 1, budget) for v in value]
        return items if kind is list else {"$tuple": items}
    if kind is dict:
        pairs = [[_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)]
                 for k, v in value.items()]
        return {"$dict": pairs}
    return _encode_foreign(value, depth, budget)


def _encode_foreign(value: Any, depth: int, budget: _Budget) -> Any:
    np = sys.modules.get("numpy")
    root = (getattr(type(value), "__module__", "") or "").split(".")[0]
    if np is not None and type(value) is np.ndarray:
        return _encode_array(value, np, depth, budget)
    if np is not None and root == "numpy" and isinstance(value, np.generic):
        return _encode(value.item(), depth, budget)
    if np is not None and root in _TENSOR_MODULES:
        converted = np.asarray(value.detach().cpu() if root == "torch" else value)
        if type(converted) is np.ndarray:
            return _encode_array(converted, np, depth, budget)
    if callable(value):
        return {"$callable": str(getattr(value, "__name__", typename(value)))[:200]}
    return {"$unsupported": typename(value)}


def _encode_array(arr: Any, np: Any, depth: int, budget: _Budget) -> Any:
    if arr.dtype.kind not in _NUMERIC_KINDS:
        if arr.dtype.kind == "O":  # object arrays: encode element by element
            return _encode(arr.tolist(), depth + 1, budget)
        return {"$unsupported": f"numpy.ndarray of dtype {arr.dtype}"}
    budget.spend(int(arr.size))
    flat = arr.ravel().tolist()
    if arr.dtype.kind == "f":
        flat = [_float(x) for x in flat]
    return {"$array": {"dtype": str(arr.dtype), "shape": list(arr.shape), "data": flat}}


def decode(obj: Any) -> Any:
    """Decode wire JSON back into Python and numpy values; raises WireError when malformed."""
    try:
        return _decode(obj, 0)
    except (TypeError, ValueError, ArithmeticError, RecursionError) as exc:  # WireError included;
        raise WireError(str(exc)[:300]) from None  # an int64 array holding 10**30 is an OverflowError


def _decode(obj: Any, depth: int) -> Any:
    if depth > MAX_DEPTH + 1:
        raise WireError("value nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is list:
        return [_decode(v, depth + 1) for v in obj]
    if type(obj) is not dict or len(obj) != 1 or next(iter(obj)) not in _TAGS:
        raise WireError(f"not a wire value: {str(obj)[:80]}")
    tag, body = next(iter(obj.items()))
    return _decode_tagged(tag, body, depth)


def _decode_tagged(tag: str, body: Any, depth: int) -> Any:
    if tag == "$f":
        if body not in ("nan", "inf", "-inf"):
            raise WireError(f"bad non-finite float {body!r}")
        return float(body)
    if tag == "$callable":
        return CallableRef(str(body))
    if tag == "$unsupported":
        return Unsupported(str(body))
    if tag == "$array":
        return _decode_array(body)
    if type(body) is not list:
        raise WireError(f"{tag} needs a list")
    if tag == "$complex":
        re, im = (_decode(v, depth + 1) for v in body)
        return complex(re, im)
    if tag == "$tuple":
        return tuple(_decode(v, depth + 1) for v in body)
    if tag == "$dict":
        return {_hashable(_decode(k, depth + 1)): _decode(v, depth + 1) for k, v in body}
    raise WireError(f"unknown tag {tag}")


def _hashable(key: Any) -> Any:
    try:
        hash(key)
    except TypeError:
        raise WireError(f"dict key of type {type(key).__name__} is not hashable") from None
    return key


def _decode_array(body: Any) -> Any:
    import numpy as np

    if type(body) is not dict or set(body) != {"dtype", "shape", "data"}:
        raise WireError("$array needs dtype, shape and data")
    dtype = np.dtype(str(body["dtype"]))
    shape = body["shape"]
    if dtype.kind not in _NUMERIC_KINDS or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError(f"bad array dtype {dtype} or shape {shape}")
    data = [_decode(x, 0) for x in body["data"]]
    if math.prod(shape) != len(data):
        raise WireError(f"array of shape {shape} cannot hold {len(data)} elements")
    return np.array(data, dtype=dtype).reshape(shape)
