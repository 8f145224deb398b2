"""Accepted ranges for stochastic results, calibrated from repeated runs of the reference.

``grader calibrate SHEET --runs N`` runs the reference N times in the same sandbox and on the
same data students get, with ``GRADER_SEED`` = 0 … N-1 (the reference seeds Keras from it), and
stores, per range/model check and per dataset identity, the values, their mean, std, min, max
and the accepted interval in the lock, with the environment they were measured in. A sheet that
declares training families is calibrated under each (``GRADER_CONFIG``: the family's choices as
JSON), the same seeds each.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import numpy as np
from pydantic import Field

from grader.frozen import Frozen
from grader.sheet.training import Calibration, Interval

_PACKAGES = ("tensorflow", "keras", "numpy", "scikit-learn")


class Stat(Frozen):
    values: list[float]
    mean: float
    std: float = Field(description="sample standard deviation (ddof=1)")
    min: float
    max: float
    low: float | None = Field(description="accepted interval, None = unbounded")
    high: float | None

    @classmethod
    def of(cls, values: list[float], rule: Calibration) -> Stat:
        arr = np.asarray(values, dtype=float)
        mean, std = float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0
        low = min(mean - rule.sigmas * std, float(arr.min())) - rule.margin
        high = max(mean + rule.sigmas * std, float(arr.max())) + rule.margin
        return cls(values=[round(v, 6) for v in values], mean=round(mean, 6), std=round(std, 6),
                   min=float(arr.min()), max=float(arr.max()),
                   low=None if rule.side == "upper" else round(low, 6),
                   high=None if rule.side == "lower" else round(high, 6))

    def describe(self, family: str = "") -> str:
        where = f"calibrated for {family}:" if family else "calibrated from"
        return (f"{where} {len(self.values)} reference runs: mean {self.mean:.4g} ± {self.std:.2g} (std), "
                f"min {self.min:.4g}, max {self.max:.4g}")

    @property
    def interval(self) -> Interval:
        return Interval(low=self.low, high=self.high)


class CalibrationRecord(Frozen):
    dataset: str = Field(description="identity of the data the reference was trained on")
    seeds: list[int]
    environment: dict[str, str]
    stats: dict[str, Stat] = Field(description="check key -> statistics (the default configuration)")
    families: dict[str, dict[str, Stat]] = Field(
        default_factory=dict, description="sheets with training families: the other families' "
                                          "name -> check key -> statistics (same seeds)")

    def stat(self, key: str, family: str | None = None) -> Stat:
        """KeyError when that check (or family) was not calibrated."""
        return self.families[family][key] if family else self.stats[key]


def environment() -> dict[str, str]:
    env = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            env[name] = version(name)
        except PackageNotFoundError:
            env[name] = "absent"
    return env


def environment_warnings(record: CalibrationRecord) -> list[str]:
    now = environment()
    return [f"{k} is {now.get(k, 'absent')} here but was {v} when {record.dataset} was calibrated"
            for k, v in record.environment.items() if now.get(k, "absent") != v]
