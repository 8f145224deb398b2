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
from grader.checks.compare import compare, describe_kind, fmt, is_numeric
from grader.checks.probes import Perturbed, fd_offset, fd_plan, probe_inputs
from grader.harness.wire import CallableRef, Unsupported
from grader.report import CheckDetails
from grader.sheet.kinds import FiniteDifferenceCheck


class _ForwardFailed(Exception):
    pass


def _value(result: ProbeResult, of: str, shape: tuple[int, ...], of_what: str) -> Any:
    """The forward output as floats of the shape differencing needs, or why it cannot be used."""
    if result.error is not None:
        raise _ForwardFailed(f"`{of}` raised {result.error} at a perturbed input")
    if not is_numeric(result.value):
        shown = "" if isinstance(result.value, Unsupported | CallableRef) else f" ({fmt(result.value)})"
        raise _ForwardFailed(f"`{of}` returned {describe_kind(result.value)}{shown}, not numbers: "
                             "return a plain numpy array or a list of floats")
    value = np.asarray(result.value, dtype=np.float64)
    if value.shape != shape:
        raise _ForwardFailed(f"`{of}` returned shape {value.shape}, expected {shape} ({of_what})")
    return value


def _numeric(spec: FiniteDifferenceCheck, p: Perturbed, forward: Sequence[ProbeResult]) -> Any:
    """Central differences from the forward outputs (already sliced to this perturbation)."""
    n = len(p.plus)
    if len(forward) < 2 * n:  # a run cut short returns fewer calls than were planned
        raise _ForwardFailed(f"only {len(forward)} of the {2 * n} calls of `{spec.of}` came back")
    if spec.mode == "elementwise":
        plus, minus = (_value(r, spec.of, p.shape, "the shape of its input") for r in forward[:2])
        return (plus - minus) / (2 * spec.step)
    dout = np.asarray(p.probe.args[0], dtype=np.float64)
    loss = [float(np.sum(_value(r, spec.of, dout.shape, "the shape of dout") * dout)) for r in forward]
    grad = (np.asarray(loss[:n]) - np.asarray(loss[n:])) / (2 * spec.step)
    return grad.reshape(p.shape) if p.shape else float(grad[0])


def _compare_probe(spec: FiniteDifferenceCheck, got: Any, numeric: list[Any]) -> str | None:
    parts = [got] if spec.mode == "elementwise" else got
    if spec.mode == "vjp" and (not isinstance(got, list | tuple) or len(got) != len(numeric)):
        return f"it returned {describe_kind(got)}, not {len(numeric)} gradients"
    for k, (part, num) in enumerate(zip(parts, numeric, strict=True)):
        verdict = compare(part, num, spec.tolerance)
        if not verdict.ok:
            which = "" if spec.mode == "elementwise" else f"gradient #{k + 1} (argument {spec.wrt[k] + 1}): "
            return f"{which}{verdict.sentence()}"
    return None


def _differences(spec: FiniteDifferenceCheck, perturbations: list[Perturbed],
                 forward: Sequence[ProbeResult]) -> list[Any]:
    numeric, start = [], 0
    for p in perturbations:
        size = 2 * len(p.plus)
        numeric.append(_numeric(spec, p, forward[start:start + size]))
        start += size
    return numeric


def _probe_problem(spec: FiniteDifferenceCheck, perturbations: list[Perturbed],
                   forward: Sequence[ProbeResult], deriv: ProbeResult | None) -> str | None:
    """Why one probe fails, as the tail of a sentence, or None: never raises on odd student values."""
    if deriv is None:
        return " returned nothing: the run ended before this call"
    if deriv.error is not None:
        return f" raised {deriv.error}"
    try:
        with np.errstate(all="ignore"):  # huge values overflow to inf, which the comparison reports
            problem = _compare_probe(spec, deriv.value, _differences(spec, perturbations, forward))
    except _ForwardFailed as exc:
        return f": cannot difference, {exc}"
    except (ArithmeticError, TypeError, ValueError) as exc:  # whatever the shape checks missed
        return f": cannot difference your `{spec.of}`: {type(exc).__name__}: {exc}"
    return f" against central differences of your `{spec.of}`: {problem}" if problem else None


def check(spec: FiniteDifferenceCheck, ctx: Context) -> Outcome:
    function = ctx.sheet.spec.functions()[spec.answer]
    derivs, forward = ctx.probes.get(spec.answer), ctx.probes.get(spec.of)
    if derivs is None:
        return ctx.missing(spec.answer, "defined as a function")
    if forward is None:
        return ctx.missing(spec.of, "defined as a function (its derivative is differenced)")
    cursor, failures = fd_offset(ctx.sheet.spec, spec), []
    inputs, plans = probe_inputs(function), fd_plan(spec, function)
    for number, perturbations in enumerate(plans, 1):
        size = sum(2 * len(p.plus) for p in perturbations)
        deriv = derivs[number - 1] if number <= len(derivs) else None
        problem = _probe_problem(spec, perturbations, forward[cursor:cursor + size], deriv)
        cursor += size  # advanced whatever happened, so the next probe reads its own calls
        if problem:
            failures.append(inputs[number - 1].describe(spec.answer, number) + problem)
    details = CheckDetails(probes_passed=len(plans) - len(failures), probes_total=len(plans),
                           tolerance=f"{spec.tolerance.describe()}, step h = {spec.step:g}")
    if not failures:
        return Outcome("passed", 1.0, f"`{spec.answer}` agrees with central differences of your own "
                       f"`{spec.of}` on {len(plans)} probes.", details)
    return Outcome("failed", 0.0, f"`{spec.answer}` is not the derivative of your own `{spec.of}` on "
                   f"{len(failures)} of {len(plans)} probes. First: {failures[0]}", details)
