"""Trusted helpers of statphys-1, run by the grader (never in the sandbox)."""

from __future__ import annotations

from typing import Any

import numpy as np


def cost(x: float, a: float, w: Any, b: Any) -> float:
    """C = ½ (f_w(x) - a)² of the one-unit-per-layer network (f = w4 g(z3)); for cross-checks."""
    g = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    z = w[0] * x + b[0]
    for i in (1, 2):
        z = w[i] * g(z) + b[i]
    return 0.5 * float(w[3] * g(z) - a) ** 2


def acc_hidden_10(val_acc_by_hidden: Any) -> float:
    return _acc_at(val_acc_by_hidden, 10)


def acc_hidden_300(val_acc_by_hidden: Any) -> float:
    return _acc_at(val_acc_by_hidden, 300)


def _acc_at(accs: Any, size: int) -> float:
    table = {int(k): v for k, v in dict(accs).items()}
    return float(table[size])


def accuracy_by_hidden_xy(val_acc_by_hidden: Any) -> tuple[list[float], list[float]]:
    """What the 2a plot must show: accuracy against hidden size, sizes ascending."""
    table = sorted((int(k), float(v)) for k, v in dict(val_acc_by_hidden).items())
    return [k for k, _ in table], [v for _, v in table]


def runs_xy(val_accs_30: Any) -> tuple[list[float], list[float]]:
    """What the 2b plot must show: accuracy against run number."""
    accs = [float(v) for v in np.asarray(val_accs_30, dtype=float).reshape(-1)]
    return list(range(len(accs))), accs


def values_of(values: Any) -> list[float]:
    """The runs' accuracies as a flat list (for the spread check)."""
    return [float(v) for v in np.asarray(values, dtype=float).reshape(-1)]


def mean_of(values: Any) -> float:
    return float(np.mean(np.asarray(values, dtype=float)))


def sample_std(values: Any) -> float:
    return float(np.std(np.asarray(values, dtype=float), ddof=1))


def population_std(values: Any) -> float:
    return float(np.std(np.asarray(values, dtype=float), ddof=0))
