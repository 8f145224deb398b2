"""``function``: the student's function agrees with the reference on every probe input."""

from __future__ import annotations

from grader.checks.base import Context, Outcome
from grader.compare import compare, fmt
from grader.probes import probe_inputs
from grader.report import CheckDetails
from grader.spec import FunctionCheck


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
    failures: list[tuple[str, CheckDetails]] = []
    for number, (probe, result, exp) in enumerate(zip(inputs, results, expected, strict=True), 1):
        where = probe.describe(name, number)
        if result.error is not None:
            failures.append((f"{where} raised {result.error}", CheckDetails(expected=fmt(exp))))
            continue
        verdict = compare(result.value, exp, tol)
        if not verdict.ok:
            failures.append((f"{where}: {verdict.sentence()}", CheckDetails(
                got=verdict.got, expected=verdict.expected, hint=verdict.hint or None,
                worst_index=list(verdict.worst_index) if verdict.worst_index else None)))
    n, hidden = len(inputs), sum(p.hidden for p in inputs)
    counts = {"probes_passed": n - len(failures), "probes_total": n, "tolerance": tol.describe()}
    if not failures:
        return Outcome("passed", 1.0, f"`{name}` matches the reference on all {n} probes "
                       f"({n - hidden} shown, {hidden} hidden).", CheckDetails(**counts))
    first, details = failures[0]
    return Outcome("failed", 0.0, f"`{name}` is wrong on {len(failures)} of {n} probes. "
                   f"First: {first}", details.model_copy(update=counts))
