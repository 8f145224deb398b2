"""Probe inputs of function checks: visible, hidden and seeded-random, in one fixed order.

The same lists feed the job (encoded calls go into the sandbox) and the checks (labels in the
feedback), so the i-th outcome always belongs to the i-th input. Finite-difference checks add
calls of the student's forward function at perturbed inputs, appended after that function's
own probes; :func:`probe_plan` lays them out and :func:`fd_offset` finds them again.

A probe argument written ``{call: f, args: [...], item: i}`` in the sheet is the student's own
``f(*args)[i]``, computed inside the sandbox (a backward pass takes the cache of its forward).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.compare import fmt, is_numeric
from grader.harness import wire
from grader.sandbox.job import ProbeCall
from grader.sheet.kinds import FiniteDifferenceCheck, FunctionCheck
from grader.sheet.spec import SheetSpec


@dataclass(frozen=True)
class Chain:
    """An argument computed by the student's own function ``function(*args)[item]``."""

    function: str
    args: tuple[Any, ...]
    item: int | None = None

    def __str__(self) -> str:
        shown = f"{self.function}({', '.join(fmt(a) for a in self.args)})"
        return shown + (f"[{self.item}]" if self.item is not None else "")


@dataclass(frozen=True)
class ProbeInput:
    args: tuple[Any, ...]
    hidden: bool
    label: str
    item: int | None = None

    def describe(self, function: str, number: int) -> str:
        if self.hidden:
            return f"hidden probe #{number}"
        shown = ", ".join(str(a) if isinstance(a, Chain) else fmt(a) for a in self.args)
        return f"{function}({shown})" + (f" [{self.label}]" if self.label else "")

    @property
    def secret(self) -> bool:
        """Hidden and random probes; finite-difference calls only move visible inputs."""
        return self.hidden and self.label != "fd"

    def call(self) -> ProbeCall:
        return ProbeCall(args=[_encode(a) for a in self.args], item=self.item, secret=self.secret)


def _encode(value: Any) -> Any:
    if isinstance(value, Chain):
        return {"$call": value.function, "args": [_encode(a) for a in value.args], "item": value.item}
    return wire.encode(value)


def _arg(value: Any, arrays: bool) -> Any:
    if isinstance(value, dict) and set(value) <= {"call", "args", "item"} and "call" in value:
        return Chain(value["call"], tuple(_arg(a, arrays) for a in value.get("args", [])), value.get("item"))
    if arrays and isinstance(value, list) and is_numeric(value):
        return np.asarray(value, dtype=np.float64)
    return value


def probe_inputs(check: FunctionCheck) -> list[ProbeInput]:
    inputs = [ProbeInput(tuple(_arg(a, check.array_args) for a in p.args), hidden, p.label)
              for hidden, probes in ((False, check.probes), (True, check.hidden)) for p in probes]
    if check.random:
        rng = np.random.default_rng(check.random.seed)
        for _ in range(check.random.count):
            args = tuple(rng.uniform(a.low, a.high, size=a.shape) if a.shape
                         else float(rng.uniform(a.low, a.high)) for a in check.random.args)
            inputs.append(ProbeInput(args, True, "random"))
    return inputs


@dataclass(frozen=True)
class Perturbed:
    """The forward calls that difference one probe: ``plus[k]``/``minus[k]`` move coordinate k."""

    probe: ProbeInput
    shape: tuple[int, ...]  # of the moved argument
    plus: list[ProbeInput]
    minus: list[ProbeInput]


def _perturb(args: tuple[Any, ...], index: int, step: float, item: int | None) -> tuple[
        tuple[int, ...], list[ProbeInput], list[ProbeInput]]:
    base = np.asarray(args[index], dtype=np.float64)
    plus: list[ProbeInput] = []
    minus: list[ProbeInput] = []
    for flat in range(base.size):
        for sign, out in ((1.0, plus), (-1.0, minus)):
            moved = base.copy().reshape(-1)
            moved[flat] += sign * step
            value: Any = moved.reshape(base.shape) if base.ndim else float(moved[0])
            out.append(ProbeInput((*args[:index], value, *args[index + 1:]), True, "fd", item))
    return base.shape, plus, minus


def fd_plan(check: FiniteDifferenceCheck, function: FunctionCheck) -> list[list[Perturbed]]:
    """Per differenced probe, the perturbations (elementwise: one, of the whole first argument)."""
    plans = []
    for probe in [p for p in probe_inputs(function) if not p.hidden][:check.max_probes]:
        if check.mode == "elementwise":
            arr = np.asarray(probe.args[0], dtype=np.float64)
            shifted = [ProbeInput((arr + s * check.step if arr.ndim else float(arr) + s * check.step,
                                   *probe.args[1:]), True, "fd") for s in (1.0, -1.0)]
            plans.append([Perturbed(probe, arr.shape, [shifted[0]], [shifted[1]])])
            continue
        chain = next(a for a in probe.args if isinstance(a, Chain) and a.function == check.of)
        plans.append([Perturbed(probe, *_perturb(chain.args, k, check.step, check.output_item))
                      for k in check.wrt])
    return plans


def probe_plan(spec: SheetSpec) -> dict[str, list[ProbeInput]]:
    """Every call the harness makes, per function: its own probes, then finite-difference calls."""
    plan = {name: probe_inputs(check) for name, check in spec.functions().items()}
    for _, check in spec.checks():
        if isinstance(check, FiniteDifferenceCheck):
            calls = plan.setdefault(check.of, [])
            for perturbations in fd_plan(check, spec.functions()[check.answer]):
                for p in perturbations:
                    calls.extend(p.plus + p.minus)
    return plan


def fd_offset(spec: SheetSpec, check: FiniteDifferenceCheck) -> int:
    """Where this check's calls start in the list of ``check.of``."""
    plan = {name: len(probe_inputs(c)) for name, c in spec.functions().items()}
    for _, other in spec.checks():
        if isinstance(other, FiniteDifferenceCheck):
            if other == check:
                return plan.get(other.of, 0)
            size = sum(len(p.plus) * 2 for ps in fd_plan(other, spec.functions()[other.answer]) for p in ps)
            plan[other.of] = plan.get(other.of, 0) + size
    raise ValueError(f"{check.answer} is not a check of this sheet")


def encoded_calls(spec: SheetSpec) -> dict[str, list[ProbeCall]]:
    return {name: [p.call() for p in inputs] for name, inputs in probe_plan(spec).items()}
