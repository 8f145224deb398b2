"""Compare a student's value with an expected one; say precisely how they differ.

Values are what :func:`grader.harness.wire.decode` returns: Python scalars, strings, numpy
arrays, lists, tuples, dicts, and the :class:`Unsupported`/:class:`CallableRef` markers. Numbers
follow :class:`grader.sheet.spec.Tolerance`. Nothing here calls a method the student's code defined:
by the time a value reaches this module it is plain data. Under the ``lenient`` shape rule (the
default) a one-element array and a number are the same answer, and the passing Verdict names
that convention in ``accepted``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.harness.wire import CallableRef, Unsupported
from grader.sheet.kinds import ShapeRule, Tolerance

ONE_ELEMENT_FOR_NUMBER = "a one-element array for a number"
NUMBER_FOR_ONE_ELEMENT = "a number for a one-element array"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str = ""
    got: str | None = None
    expected: str | None = None
    worst_index: tuple[int, ...] | None = None
    hint: str = ""
    worst: tuple[tuple[tuple[int, ...], str, str], ...] = ()  # (index, got, expected), worst first
    accepted: tuple[str, ...] = ()  # conventions the comparison allowed on the way to a pass

    def sentence(self) -> str:
        """The message with its hint, ending in exactly one punctuation mark."""
        text = self.message + (f". Hint: {self.hint}" if self.hint else "")
        return text if text.endswith((".", "?", "!")) else text + "."


PASS = Verdict(ok=True)


def matched(*conventions: str | None, accepted: Iterable[str] = ()) -> str | None:
    """The accepted conventions that matched, as feedback names them (None: the plain answer)."""
    return "; ".join(dict.fromkeys(c for c in (*conventions, *accepted) if c)) or None


def fmt(value: Any) -> str:
    """A short, numpy-2-proof rendering: 6 significant digits, long arrays elided."""
    if isinstance(value, Unsupported):
        return f"<unsupported type {value.typename}>"
    if isinstance(value, CallableRef):
        return f"<function {value.name}>"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, separator=", ", threshold=24, edgeitems=3)
        return " ".join(text.split())  # one line, whatever the number of dimensions
    if isinstance(value, list | tuple) and len(value) > 12:
        head = ", ".join(fmt(v) for v in value[:6])
        return f"[{head}, … {len(value) - 6} more]"
    if isinstance(value, list | tuple):
        inner = ", ".join(fmt(v) for v in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {fmt(v)}" for k, v in value.items()) + "}"
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


def is_numeric(value: Any) -> bool:
    """True for numbers, numeric arrays and rectangular nested lists/tuples of numbers; not bools."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return True
    if isinstance(value, int):  # beyond float range (10**400) no comparison can hold it
        return value.bit_length() < 1024
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iuf"
    if not isinstance(value, list | tuple) or not all(
            is_numeric(v) or isinstance(v, bool) for v in value):
        return False
    try:  # rectangular only: (array, float) is a sequence of two answers, not an array
        np.asarray(value, dtype=float)
    except ValueError:
        return False
    return True


def describe_kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return f"an object of unsupported type {value.typename}"
    if isinstance(value, CallableRef):
        return f"a function ({value.name})"
    return f"a {type(value).__name__}"


def compare(got: Any, expected: Any, tol: Tolerance, path: str = "",
            shape: ShapeRule = "lenient") -> Verdict:
    """A passing Verdict, or one whose message names where and how ``got`` differs from ``expected``."""
    if isinstance(expected, bool):
        return _compare_exact(got, expected, path, bool)
    if is_numeric(expected):
        return _compare_numeric(got, expected, tol, path, shape)
    if isinstance(expected, str) or expected is None:
        return _compare_exact(got, expected, path, type(expected))
    if isinstance(expected, dict):
        return _compare_dict(got, expected, tol, path, shape)
    if isinstance(expected, list | tuple):
        return _compare_sequence(got, expected, tol, path, shape)
    raise TypeError(f"cannot compare with an expected value of type {type(expected).__name__}")


def _at(path: str) -> str:
    return f"{path}: " if path else ""


def _compare_exact(got: Any, expected: Any, path: str, kind: type) -> Verdict:
    if type(got) is kind and got == expected:
        return PASS
    msg = f"{_at(path)}got {fmt(got)}, expected {fmt(expected)}"
    if type(got) is not kind:
        msg = f"{_at(path)}got {describe_kind(got)} ({fmt(got)}), expected {fmt(expected)}"
    return Verdict(False, msg, fmt(got), fmt(expected))


def _compare_all(pairs: Iterable[tuple[Any, Any, str]], tol: Tolerance, shape: ShapeRule) -> Verdict:
    """The first failing (got, expected, path) pair's Verdict, or a pass naming what it accepted."""
    accepted: list[str] = []
    for got, expected, path in pairs:
        verdict = compare(got, expected, tol, path, shape)
        if not verdict.ok:
            return verdict
        accepted.extend(verdict.accepted)
    return Verdict(True, accepted=tuple(dict.fromkeys(accepted))) if accepted else PASS


def _compare_sequence(got: Any, expected: list[Any] | tuple[Any, ...], tol: Tolerance,
                      path: str, shape: ShapeRule) -> Verdict:
    if not isinstance(got, list | tuple):
        return Verdict(False, f"{_at(path)}got {describe_kind(got)}, expected a sequence of "
                       f"{len(expected)} items", fmt(got), fmt(expected))
    if len(got) != len(expected):
        return Verdict(False, f"{_at(path)}got {len(got)} items, expected {len(expected)}",
                       fmt(got), fmt(expected))
    return _compare_all(((g, e, f"{path}[{i}]") for i, (g, e) in enumerate(zip(got, expected, strict=True))),
                        tol, shape)


def _compare_dict(got: Any, expected: dict[Any, Any], tol: Tolerance, path: str,
                  shape: ShapeRule) -> Verdict:
    if not isinstance(got, dict):
        return Verdict(False, f"{_at(path)}got {describe_kind(got)}, expected a dict with keys "
                       f"{sorted(map(str, expected))}", fmt(got), fmt(expected))
    by_text = {str(k): v for k, v in got.items()}  # {10: …} and {"10": …} mean the same here
    missing = [k for k in expected if k not in got and str(k) not in by_text]
    if missing:
        return Verdict(False, f"{_at(path)}missing keys {missing}", fmt(got), fmt(expected))
    return _compare_all(((got[key] if key in got else by_text[str(key)], exp, f"{path}[{key!r}]")
                         for key, exp in expected.items()), tol, shape)


def _one_element_rule(got: np.ndarray, exp: np.ndarray, shape: ShapeRule) -> str:
    """The convention that lets ``got`` stand for ``expected`` despite its shape, or ''."""
    if shape == "exact" or got.shape == exp.shape or (got.size, exp.size) != (1, 1):
        return ""
    if exp.ndim == 0:
        return ONE_ELEMENT_FOR_NUMBER
    return NUMBER_FOR_ONE_ELEMENT if got.ndim == 0 else ""  # (1,) vs (1, 1): still a shape slip


def _compare_numeric(got: Any, expected: Any, tol: Tolerance, path: str, shape: ShapeRule) -> Verdict:
    exp = np.asarray(expected, dtype=float)
    if not is_numeric(got):
        what = (f"a ragged or non-numeric {type(got).__name__}" if isinstance(got, list | tuple)
                else describe_kind(got))
        wanted = "a number" if exp.ndim == 0 else f"numbers of shape {exp.shape}"
        return Verdict(False, f"{_at(path)}got {what} ({fmt(got)}), expected {wanted}",
                       fmt(got), fmt(expected))
    arr = np.asarray(got, dtype=float)
    rule = _one_element_rule(arr, exp, shape)
    if rule:  # compared as the numbers they are; a mismatch then shows numbers, not shapes
        arr, exp = arr.reshape(()), exp.reshape(())
    elif arr.shape != exp.shape:
        return Verdict(False, f"{_at(path)}got shape {arr.shape}, expected shape {exp.shape}",
                       fmt(got), fmt(expected), hint=shape_hint(arr, exp, tol))
    close = np.isclose(arr, exp, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if close.all():
        return Verdict(True, accepted=(rule,)) if rule else PASS
    return _numeric_mismatch(arr, exp, close, tol, path)


def _numeric_mismatch(arr: np.ndarray, exp: np.ndarray, close: np.ndarray, tol: Tolerance,
                      path: str) -> Verdict:
    allowed = tol.atol + tol.rtol * np.abs(exp)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        excess = np.where(close, -1.0, np.abs(arr - exp) / np.where(allowed > 0, allowed, 1e-300))
    excess = np.nan_to_num(excess, nan=np.inf)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), exp.shape))
    g, e = arr[worst], exp[worst]
    detail = (f"got {fmt(g)}, expected {fmt(e)} (|difference| {fmt(abs(g - e))} > "
              f"tolerance {fmt(allowed[worst])} = {tol.describe()})")
    if exp.ndim:
        bad = int((~close).sum())
        where = f"element {list(worst)}"
        detail = f"{where}: {detail}; {bad} of {exp.size} elements outside the tolerance"
    return Verdict(False, _at(path) + detail, fmt(arr if arr.ndim else g),
                   fmt(exp if exp.ndim else e), worst if exp.ndim else None,
                   hint=value_hint(arr, exp, tol), worst=_worst_entries(arr, exp, excess))


def _worst_entries(arr: np.ndarray, exp: np.ndarray, excess: np.ndarray,
                   n: int = 5) -> tuple[tuple[tuple[int, ...], str, str], ...]:
    """The n elements furthest outside the tolerance, for a small table in the feedback."""
    if exp.ndim == 0:
        return ()
    order = [i for i in np.argsort(-excess, axis=None, kind="stable")[:n] if excess.flat[i] >= 0]
    where = [tuple(int(k) for k in np.unravel_index(int(i), exp.shape)) for i in order]
    return tuple((w, fmt(arr[w]), fmt(exp[w])) for w in where)


def _close(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> bool:
    return a.shape == b.shape and bool(np.isclose(a, b, rtol=tol.rtol, atol=tol.atol).all())


def value_hint(got: np.ndarray, exp: np.ndarray, tol: Tolerance) -> str:
    """A guess at the typical slip behind a wrong number, or ''."""
    if not np.isfinite(got).all() and np.isfinite(exp).all():
        return "your value contains NaN or inf: an overflow or a division by zero?"
    guesses = [
        (-exp, "the sign is flipped"),
        (2 * exp, "it is twice the expected value: a missing ½ (½·SSE vs SSE) or a sum for a mean?"),
        (exp / 2, "it is exactly half the expected value: a missing factor 2, or an extra ½?"),
    ]
    if exp.ndim == 2 and exp.shape[0] == exp.shape[1]:
        guesses.append((exp.T, "it is the transpose of the expected matrix (W vs Wᵀ?)"))
    for candidate, text in guesses:
        if np.any(candidate != exp) and _close(got, candidate, tol):
            return text
    if exp.ndim and _close(np.abs(got), np.abs(exp), tol):
        return "the magnitudes are right but some signs are flipped"
    return ""


def shape_hint(got: np.ndarray, exp: np.ndarray, tol: Tolerance) -> str:
    if exp.ndim == 2 and got.shape == exp.T.shape and _close(got, exp.T, tol):
        return "it is the transpose of the expected array (W vs Wᵀ?)"
    if got.size == exp.size and _close(got.reshape(exp.shape), exp, tol):
        if exp.ndim == 0:
            return "the number is right; reshape to () (a plain number, e.g. `x.item()`)"
        return f"the numbers are right; reshape to {exp.shape} (e.g. a column where a row was expected)"
    return ""
