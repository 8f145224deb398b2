"""Computing with a student's answers inside a check: whatever they hold, a sentence, never a crash.

Checks that derive a value from the student's own answers (a mean of their runs, the data a
plot should show) call the sheet's trusted derive.py functions on untrusted values: a string,
a dict, a ragged list, NaN, 1e308, an unsupported type. These helpers turn each into a reason.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from grader.checks.base import Context
from grader.checks.compare import describe_kind, is_numeric
from grader.harness.wire import CallableRef, Unsupported
from grader.sheet.kinds import Derivation

_MAX_REASON = 200


def opaque(ctx: Context, names: Iterable[str]) -> str | None:
    """Why one of these answers is no data to compute with (None, a function, an unsupported type)."""
    for name in names:
        value = ctx.answers[name]
        if value is None or isinstance(value, Unsupported | CallableRef):
            return f"`{name}` is {describe_kind(value)}, not data"
    return None


def derive_quietly(ctx: Context, derivation: Derivation) -> Any:
    """``ctx.derive`` with numpy's warnings silenced: an overflow becomes inf, which callers report."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ctx.derive(derivation, ctx.answers)


def reason(exc: Exception) -> str:
    """An exception raised on a student's values, as a short clause."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON] + "…"


def non_finite(value: Any) -> bool:
    """True for numbers (or arrays of them) with a NaN or an infinity."""
    return is_numeric(value) and not bool(np.isfinite(np.asarray(value, dtype=float)).all())
