"""``function``: the student's function agrees with the reference on every probe input.

Or, on every probe, with an accepted alternative convention that a trusted ``derive.py``
function computes from the probe's arguments (W instead of Wᵀ, say); the feedback names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from grader.checks.base import Context, Outcome, ProbeResult, verdict_details
from grader.compare import compare, fmt
from grader.probes import ProbeInput, probe_inputs
from grader.report import CheckDetails
from grader.spec import FunctionCheck

Failure = tuple[str, CheckDetails]


def _failures(spec: FunctionCheck, ctx: Context, inputs: Sequence[ProbeInput],
              results: Sequence[ProbeResult], expected: Sequence[Any]) -> list[Failure]:
    name, tol = spec.answer, ctx.tolerance(spec)
    via: Callable[..., Any] | None = ctx.sheet.derive[spec.compare_via] if spec.compare_via else None
    failures: list[Failure] = []
    for number, (probe, result, exp) in enumerate(zip(inputs, results, expected, strict=True), 1):
        where = probe.describe(name, number)
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
        verdict = compare(got, exp, tol)
        if not verdict.ok:
            failures.append((f"{where}: {verdict.sentence()}", verdict_details(verdict)))
    return failures


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
    failures = _failures(spec, ctx, inputs, results, expected)
    n, hidden = len(inputs), sum(p.hidden for p in inputs)
    counts = {"probes_passed": n - len(failures), "probes_total": n, "tolerance": tol.describe()}
    shown = f"all {n} probes ({n - hidden} shown, {hidden} hidden)"
    if not failures:
        matched = spec.convention if spec.alternatives else None
        which = f" (accepted convention: {matched})" if matched else ""
        return Outcome("passed", 1.0, f"`{name}` matches the reference on {shown}{which}.",
                       CheckDetails(**counts, matched=matched))
    for alt in spec.alternatives:
        fn = ctx.sheet.derive[alt.function]
        try:
            alt_expected = [fn(*p.args) for p in inputs]
        except Exception:  # the convention does not apply to every probe (shapes)
            continue
        if not _failures(spec, ctx, inputs, results, alt_expected):
            return Outcome("passed", 1.0, f"`{name}` matches on {shown} under the accepted convention: "
                           f"{alt.label}.", CheckDetails(**{**counts, "probes_passed": n}, matched=alt.label))
    first, details = failures[0]
    return Outcome("failed", 0.0, f"`{name}` is wrong on {len(failures)} of {n} probes. "
                   f"First: {first}", details.model_copy(update=counts))
