"""Metrics the grader computes outside the sandbox from a model's predictions and its own targets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _prediction(value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError("the predictions are empty or contain NaN/inf")
    return arr


def mse(predictions: Any, targets: Any) -> float:
    pred, y = _prediction(predictions), np.asarray(targets, dtype=np.float64)
    if pred.size != y.size:
        raise ValueError(f"predict returned {pred.size} values for {y.size} inputs")
    return float(np.mean((pred.reshape(-1) - y.reshape(-1)) ** 2))


def accuracy(predictions: Any, targets: Any) -> float:
    """Class scores (n, k) are argmaxed; one column is a probability thresholded at 0.5."""
    pred, y = _prediction(predictions), np.asarray(targets).reshape(-1)
    if pred.ndim == 2 and pred.shape[1] > 1:
        labels = pred.argmax(axis=1)
    else:
        labels = (pred.reshape(-1) >= 0.5).astype(int)
    if labels.size != y.size:
        raise ValueError(f"predict returned {labels.size} rows for {y.size} inputs")
    return float(np.mean(labels == y))


METRICS: dict[str, Callable[[Any, Any], float]] = {"mse": mse, "accuracy": accuracy}
