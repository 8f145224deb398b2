"""Probe inputs of a function check: visible, hidden and seeded-random, in one fixed order.

The same list feeds the job (encoded args go into the sandbox) and the check (labels in the
feedback), so the i-th outcome always belongs to the i-th input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.compare import fmt, is_numeric
from grader.harness import wire
from grader.spec import FunctionCheck


@dataclass(frozen=True)
class ProbeInput:
    args: tuple[Any, ...]
    hidden: bool
    label: str

    def describe(self, function: str, number: int) -> str:
        if self.hidden:
            return f"hidden probe #{number}"
        shown = ", ".join(fmt(a) for a in self.args)
        return f"{function}({shown})" + (f" [{self.label}]" if self.label else "")


def _arg(value: Any, arrays: bool) -> Any:
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


def encoded_args(check: FunctionCheck) -> list[list[Any]]:
    return [[wire.encode(a) for a in p.args] for p in probe_inputs(check)]
