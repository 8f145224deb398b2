"""Whether a check can use what a run left: the problems the ``format`` view names.

Judged against a public lock only (names, forms, visible probes), never against an expected
value: an answer that is missing, unreadable or of the wrong type or shape, a function that is
missing, raises on a visible probe or returns the wrong form (``return`` forgotten), a model that
is missing. ``grader check`` calls :func:`check_problem` on its run; grading can call it on its
Context (which is a :class:`Seen`) to put the same text in each check of a report, so that the
service's ``format`` view says what ``grader check`` said.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from grader.checks.base import Outcome, ProbeResult
from grader.checks.forms import form_problem, returned_problem
from grader.sheet.public_lock import PublicCheck, PublicLock


class Seen(Protocol):
    """What a run left, decoded (grading's Context is one)."""

    @property
    def answers(self) -> Mapping[str, Any]: ...

    @property
    def probes(self) -> Mapping[str, Sequence[ProbeResult]]: ...

    @property
    def predictions(self) -> Mapping[str, Sequence[ProbeResult]]: ...

    def missing(self, name: str, what: str = "defined") -> Outcome: ...


def check_problem(check: PublicCheck, public: PublicLock, seen: Seen,
                  broken: Collection[str] = ()) -> str | None:
    """The first reason ``check`` cannot use its answer (None: nothing to say). ``broken``: the
    answers the run left that could not be decoded."""
    if check.kind == "manual":
        return None
    if check.answer in broken:
        return f"`{check.answer}` could not be read back from the run"
    if check.kind == "function":
        return _function_problem(check, public, seen)
    if check.kind == "finite_difference":
        forward = check.of or check.answer
        return None if forward in seen.probes else seen.missing(forward, "defined as a function").message
    if check.kind == "model":
        return _model_problem(check, seen)
    missing = next((name for name in check.reads if name not in seen.answers), None)
    if missing is not None:
        return seen.missing(missing).message
    return answer_problem(check, public, seen.answers.get(check.answer))


def answer_problem(check: PublicCheck, public: PublicLock, got: Any) -> str | None:
    """Why ``got`` is not of the form of the answer ``check`` reads (None when it is, or when the
    check reads no answer of that name: a plot's label, a statistic's name)."""
    form = public.answers.get(check.answer)
    if check.answer not in check.reads or form is None:
        return None
    why = form_problem(got, form, check.shape)
    return f"`{check.answer}`: {why}" if why else None


def _function_problem(check: PublicCheck, public: PublicLock, seen: Seen) -> str | None:
    """Missing, raising on a visible probe or returning the wrong form (hidden probes never count)."""
    results = seen.probes.get(check.answer)
    if results is None:
        return seen.missing(check.answer, "defined as a function").message
    for probe, result in zip(public.functions.get(check.answer, []), results, strict=False):
        if result.error is not None:
            return f"{probe.call} raised {result.error}"
        if probe.returns is not None and (why := returned_problem(
                probe.call, check.answer, result.value, probe.returns, check.shape)) is not None:
            return why
    return None


def _model_problem(check: PublicCheck, seen: Seen) -> str | None:
    predictions = seen.predictions.get(check.answer)
    if predictions is None:
        return seen.missing(check.answer).message
    error = next((p.error for p in predictions if p.error), None)
    return f"calling {check.answer}: {error}" if error else None
