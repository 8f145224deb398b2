"""``function``: the student's function agrees with the reference on every probe input.

Or, on every probe, with an accepted alternative convention that a trusted ``derive.py``
function computes from the probe's arguments (W instead of Wᵀ, say); the feedback names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from grader.checks.base import Context, Outcome, ProbeResult, verdict_details
from grader.checks.compare import compare, fmt, matched
from grader.checks.probes import ProbeInput, probe_inputs
from grader.report import CheckDetails
from grader.sheet.kinds import FunctionCheck, ShapeRule, Tolerance

Failure = tuple[str, CheckDetails]
_SHOWN_EXCEPTIONS = frozenset({"TypeError", "ValueError", "IndexError", "KeyError", "ZeroDivisionError",
                               "AttributeError", "NameError", "OverflowError", "RecursionError",
                               "NotImplementedError", "AssertionError", "MemoryError"})


def _failures(spec: FunctionCheck, ctx: Context, inputs: Sequence[ProbeInput],
              results: Sequence[ProbeResult], expected: Sequence[Any],
              accepted: list[str] | None = None) -> list[Failure]:
    """The failed probes; ``accepted`` collects the conventions the visible passing ones needed."""
    name, tol, shape = spec.answer, ctx.tolerance(spec), spec.shape or ctx.sheet.spec.shape
    via: Callable[..., Any] | None = ctx.sheet.derive[spec.compare_via] if spec.compare_via else None
    failures: list[Failure] = []
    for number, (probe, result, exp) in enumerate(zip(inputs, results, expected, strict=True), 1):
        where = probe.describe(name, number)
        if probe.secret:
            if (why := _hidden_failure(result, exp, via, probe, tol, shape)) is not None:
                failures.append((f"{where} {why}", CheckDetails()))
            continue
        if result.error is not None:
            failures.append((f"{where} raised {result.error}", CheckDetails(expected=fmt(exp))))
            continue
        got = result.value
        if via is not None:
            exp = via(exp, *probe.args)
            try:
                got = via(got, *probe.args)
            except Exception as exc:  # the student's output may have any shape
                failures.append((f"{where}: your result cannot be used ({type(exc).__name__}: {exc})",
                                 CheckDetails(expected=fmt(exp))))
                continue
        verdict = compare(got, exp, tol, shape=shape)
        if not verdict.ok:
            failures.append((f"{where}: {verdict.sentence()}", verdict_details(verdict)))
        elif accepted is not None:
            accepted.extend(verdict.accepted)
    return failures


def _hidden_failure(result: ProbeResult, exp: Any, via: Callable[..., Any] | None, probe: ProbeInput,
                    tol: Tolerance, shape: ShapeRule) -> str | None:
    """How a hidden probe failed, in words that carry nothing of its input, of the expected or
    returned value or of an exception's text: repeated submissions must not reveal the probe."""
    if result.error is not None and result.error.startswith("timed out"):
        return "timed out"
    if result.error is not None:
        return f"raised {_exception_type(result.error)}"
    try:
        got = via(result.value, *probe.args) if via else result.value
        ok = compare(got, via(exp, *probe.args) if via else exp, tol, shape=shape).ok
    except Exception:  # the student's output may have any shape
        ok = False
    return None if ok else "failed"


def _exception_type(error: str) -> str:
    """One of a few common exceptions' names, else "an exception": any name the code can choose
    from many is a channel for what it read (a dozen names carry under 4 bits)."""
    name = error.split(":", 1)[0].strip()
    return name if name in _SHOWN_EXCEPTIONS else "an exception"


def check(spec: FunctionCheck, ctx: Context) -> Outcome:
    name, tol = spec.answer, ctx.tolerance(spec)
    results = ctx.probes.get(name)
    if results is None:
        return ctx.missing(name, "defined as a function")
    inputs = probe_inputs(spec)
    # finite-difference calls of this function follow its own probes
    results, expected = results[:len(inputs)], ctx.expected_probes[name][:len(inputs)]
    if len(results) != len(inputs):
        return Outcome("error", 0.0, f"`{name}`: {len(results)} probe results for {len(inputs)} inputs")
    accepted: list[str] = []
    failures = _failures(spec, ctx, inputs, results, expected, accepted)
    n, hidden = len(inputs), sum(p.hidden for p in inputs)
    counts = {"probes_passed": n - len(failures), "probes_total": n, "tolerance": tol.describe()}
    shown = f"all {n} probes ({n - hidden} shown, {hidden} hidden)"
    if not failures:
        which = matched(spec.convention if spec.alternatives else None, accepted=accepted)
        return Outcome("passed", 1.0, f"`{name}` matches the reference on {shown}"
                       f"{f' (accepted convention: {which})' if which else ''}.",
                       CheckDetails(**counts, matched=which))
    for alt in spec.alternatives:
        fn = ctx.sheet.derive[alt.function]
        try:
            alt_expected = [fn(*p.args) for p in inputs]
        except Exception:  # the convention does not apply to every probe (shapes)
            continue
        if not _failures(spec, ctx, inputs, results, alt_expected, accepted := []):
            label = matched(alt.label, accepted=accepted)
            return Outcome("passed", 1.0, f"`{name}` matches on {shown} under the accepted convention: "
                           f"{label}.", CheckDetails(**{**counts, "probes_passed": n}, matched=label))
    first, details = failures[0]
    return Outcome("failed", 0.0, f"`{name}` is wrong on {len(failures)} of {n} probes. "
                   f"First: {first}", details.model_copy(update=counts))
