"""Trusted helpers of waterloo-a2-1: follow-through values from a student's own earlier answers.

The network of the (lost) figure, restated in SHEETS.md: z_h = C x + b, h = f(z_h),
y = σ(w·h + b3), L = ½(t − y)², one gradient step with learning rate 0.1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

X = np.array([3.0, 1.0])
C = np.array([[2.0, -1.5], [0.0, 3.0]])
B = np.array([-3.0, 2.5])
W = np.array([0.5, 1.0])
B3 = -1.0
T = 1.0
LR = 0.1
Z_H = C @ X + B


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


def _delta_out(y: Any) -> float:
    """∂L/∂z at the output unit: (y − t)·σ'(z) with σ'(z) = y(1 − y)."""
    y = float(y)
    return (y - T) * y * (1.0 - y)


def y_from_h(h: Any) -> float:
    return float(_sigmoid(W @ np.asarray(h, dtype=float) + B3))


def loss(y: Any) -> float:
    return 0.5 * (T - float(y)) ** 2


def dL_dw(h: Any, y: Any) -> Any:
    return _delta_out(y) * np.asarray(h, dtype=float)


def dL_db3(y: Any) -> float:
    return _delta_out(y)


def dL_db(h: Any, y: Any) -> Any:
    h = np.asarray(h, dtype=float)
    return _delta_out(y) * W * h * (1.0 - h)


def dL_dC(h: Any, y: Any) -> Any:
    return np.outer(dL_db(h, y), X)


def dL_dw_relu(y: Any) -> Any:
    return _delta_out(y) * np.maximum(Z_H, 0.0)


def dL_db_relu(y: Any) -> Any:
    return _delta_out(y) * W * (Z_H > 0)


def dL_dC_relu(y: Any) -> Any:
    return np.outer(dL_db_relu(y), X)


def step_w(grad: Any) -> Any:
    return W - LR * np.asarray(grad, dtype=float)


def step_b3(grad: Any) -> float:
    return B3 - LR * float(grad)


def step_C(grad: Any) -> Any:
    return C - LR * np.asarray(grad, dtype=float)


def step_b(grad: Any) -> Any:
    return B - LR * np.asarray(grad, dtype=float)
