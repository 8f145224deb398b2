"""Trusted helpers of the inf264-ex4 sheet: alternatives and follow-through (run by the grader)."""

from __future__ import annotations

from typing import Any

W1, W2, LEARNING_RATE = 3.0, 2.0, 0.1


def reversed_shape(shape: Any) -> tuple[int, ...]:
    """The same weight matrix in the Keras kernel layout (in × out)."""
    return tuple(int(n) for n in reversed(list(shape)))


def gradient_step_w1(dL_dw1: float) -> float:
    return W1 - LEARNING_RATE * float(dL_dw1)


def gradient_step_w2(dL_dw2: float) -> float:
    return W2 - LEARNING_RATE * float(dL_dw2)
