"""``finite_difference``: a coded derivative agrees with central differences of the student's forward.

Independent of the reference: a student whose ``dsigmoid`` is the true derivative of their own
``sigmoid`` learns that, and one whose backward pass disagrees with their own forward pass
learns exactly which input gradient is off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from grader.checks.base import Context, Outcome, ProbeResult
from grader.compare import compare
from grader.probes import Perturbed, fd_offset, fd_plan, probe_inputs
from grader.report import CheckDetails
from grader.spec import FiniteDifferenceCheck


class _ForwardFailed(Exception):
    pass


def _value(result: ProbeResult, of: str) -> Any:
    if result.error is not None:
        raise _ForwardFailed(f"`{of}` raised {result.error} at a perturbed input")
    return np.asarray(result.value, dtype=np.float64)


def _numeric(spec: FiniteDifferenceCheck, p: Perturbed, forward: Sequence[ProbeResult]) -> Any:
    """Central differences from the forward outputs (already sliced to this perturbation)."""
    n = len(p.plus)
    if spec.mode == "elementwise":
        return (_value(forward[0], spec.of) - _value(forward[1], spec.of)) / (2 * spec.step)
    dout = np.asarray(p.probe.args[0], dtype=np.float64)
    loss = [float(np.sum(_value(r, spec.of) * dout)) for r in forward]
    grad = (np.asarray(loss[:n]) - np.asarray(loss[n:])) / (2 * spec.step)
    return grad.reshape(p.shape) if p.shape else float(grad[0])


def _compare_probe(spec: FiniteDifferenceCheck, got: Any, numeric: list[Any]) -> str | None:
    parts = [got] if spec.mode == "elementwise" else got
    if spec.mode == "vjp" and (not isinstance(got, list | tuple) or len(got) != len(numeric)):
        return f"it returned {type(got).__name__}, not {len(numeric)} gradients"
    for k, (part, num) in enumerate(zip(parts, numeric, strict=True)):
        verdict = compare(part, num, spec.tolerance)
        if not verdict.ok:
            which = "" if spec.mode == "elementwise" else f"gradient #{k + 1} (argument {spec.wrt[k] + 1}): "
            return f"{which}{verdict.sentence()}"
    return None


def check(spec: FiniteDifferenceCheck, ctx: Context) -> Outcome:
    function = ctx.sheet.spec.functions()[spec.answer]
    derivs, forward = ctx.probes.get(spec.answer), ctx.probes.get(spec.of)
    if derivs is None:
        return ctx.missing(spec.answer, "defined as a function")
    if forward is None:
        return ctx.missing(spec.of, "defined as a function (its derivative is differenced)")
    cursor, failures = fd_offset(ctx.sheet.spec, spec), []
    inputs = probe_inputs(function)
    plans = fd_plan(spec, function)
    for number, perturbations in enumerate(plans, 1):
        where = inputs[number - 1].describe(spec.answer, number)
        numeric = []
        try:
            for p in perturbations:
                size = 2 * len(p.plus)
                numeric.append(_numeric(spec, p, forward[cursor:cursor + size]))
                cursor += size
        except _ForwardFailed as exc:
            failures.append(f"{where}: cannot difference, {exc}")
            continue
        if derivs[number - 1].error is not None:
            failures.append(f"{where} raised {derivs[number - 1].error}")
            continue
        problem = _compare_probe(spec, derivs[number - 1].value, numeric)
        if problem:
            failures.append(f"{where} against central differences of your `{spec.of}`: {problem}")
    details = CheckDetails(probes_passed=len(plans) - len(failures), probes_total=len(plans),
                           tolerance=f"{spec.tolerance.describe()}, step h = {spec.step:g}")
    if not failures:
        return Outcome("passed", 1.0, f"`{spec.answer}` agrees with central differences of your own "
                       f"`{spec.of}` on {len(plans)} probes.", details)
    return Outcome("failed", 0.0, f"`{spec.answer}` is not the derivative of your own `{spec.of}` on "
                   f"{len(failures)} of {len(plans)} probes. First: {failures[0]}", details)
