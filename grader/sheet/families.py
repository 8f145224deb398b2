"""Which calibrated configuration family a student's training is judged against.

The harness records every ``fit`` call (optimizer, learning rate, hidden activations, batch size,
validation). The student's configuration is the most frequent one among the calls on the sheet's
inputs; the *nearest* family matches the optimizer first, then the hidden activation, then the
closest batch size, then the closest learning rate. The family is *exact* when all four agree
(learning rates within a factor 2); outside the sheet's choices no family applies.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field, ValidationError

from grader.frozen import Frozen
from grader.sheet.training import Family, Training

_LR_FACTOR = 2.0  # learning rates within this factor of a family's count as the family's


class FitRecord(Frozen):
    """One ``fit`` call as the harness saw it (untrusted: parsed, and skipped when malformed)."""

    optimizer: str | None = None
    learning_rate: float | None = Field(None, gt=0)
    activations: list[str] = Field(default_factory=list, description="hidden layers' activations")
    batch_size: int | None = Field(None, ge=1)
    epochs: int | None = None
    validation: str | None = None
    input_dim: int | None = None

    @property
    def activation(self) -> str:
        kinds = sorted(set(self.activations))
        return kinds[0] if len(kinds) == 1 else "+".join(kinds) or "none"

    def describe(self) -> str:
        lr = f" (lr {self.learning_rate:.3g})" if self.learning_rate is not None else ""
        validation = {"split": ", validation_split", "data": ", validation_data"}.get(
            str(self.validation), "")
        return (f"{self.optimizer or 'unknown optimizer'}{lr} + {self.activation}, "
                f"batch {self.batch_size}{validation}")


@dataclass(frozen=True)
class Choice:
    family: Family
    exact: bool  # every choice of the family matches the student's
    outside: list[str]  # the student's choices the sheet does not allow ([] when inside)
    note: str  # what the feedback says about the configuration
    default: bool  # the training's first family, the reference's own (calibrated in the record's stats)
    recorded: bool = True  # False: no fit() call was recorded, the default family stands in


def fit_records(raw: Sequence[Any], training: Training) -> list[FitRecord]:
    records = []
    for item in raw:
        try:
            record = FitRecord.model_validate(item)
        except ValidationError:
            continue
        if training.input_dim is None or record.input_dim == training.input_dim:
            records.append(record)
    return records


def choose(training: Training, raw: Sequence[Any]) -> Choice:
    default = training.families[0]
    records = fit_records(raw, training)
    if not records:
        return Choice(default, True, [], "no `fit` call of yours was recorded (numbers typed in?), so "
                      f"the reference's configuration ({default.label}) is assumed", True, recorded=False)
    counts = Counter(r.model_dump_json() for r in records)
    mine = FitRecord.model_validate_json(counts.most_common(1)[0][0])
    family = max(training.families, key=lambda f: _closeness(mine, f))
    outside = _outside(training, mine)
    exact = not outside and _closeness(mine, family)[:2] == (True, True) and _same_scale(mine, family)
    calls = f"{len(records)} `fit` calls, most often " if len(records) > 1 else ""
    return Choice(family, exact, outside, f"your configuration ({calls}{mine.describe()})",
                  family == default)


def _closeness(mine: FitRecord, family: Family) -> tuple[bool, bool, float, float]:
    batch = -abs(math.log2((mine.batch_size or 32) / family.batch_size))
    rate = -abs(math.log10(mine.learning_rate / family.learning_rate)) if mine.learning_rate else -9.0
    return (mine.optimizer == family.optimizer, mine.activation == family.activation, batch, rate)


def _same_scale(mine: FitRecord, family: Family) -> bool:
    if mine.batch_size != family.batch_size or not mine.learning_rate:
        return False
    return abs(math.log(mine.learning_rate / family.learning_rate)) <= math.log(_LR_FACTOR)


def _outside(training: Training, mine: FitRecord) -> list[str]:
    """The student's choices the sheet does not allow, in words."""
    choices, found = training.choices, []
    rates = choices.optimizers.get(mine.optimizer or "")
    if rates is None:
        found.append(f"optimizer {mine.optimizer} (allowed: {', '.join(choices.optimizers)})")
    elif mine.learning_rate is not None and not (
            (rates.low is None or mine.learning_rate >= rates.low)
            and (rates.high is None or mine.learning_rate <= rates.high)):
        found.append(f"learning rate {mine.learning_rate:.3g} for {mine.optimizer}")
    if mine.activation not in choices.activations:
        found.append(f"activation {mine.activation} (allowed: {', '.join(choices.activations)})")
    if mine.batch_size not in choices.batch_sizes:
        found.append(f"batch size {mine.batch_size} (allowed: {', '.join(map(str, choices.batch_sizes))})")
    if mine.validation in ("data", "split") and mine.validation not in choices.validation:
        found.append(f"validation_{mine.validation}")
    return found
