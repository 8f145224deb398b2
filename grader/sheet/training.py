"""What a sheet says of trained results: stated or calibrated intervals, the trainings whose
choices it leaves open with their configuration families, and the range, model and trend checks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.frozen import Frozen
from grader.sheet.kinds import IDENT, CheckBase, Derivation


class Interval(Frozen):
    low: float | None = None
    high: float | None = None


class Calibration(Frozen):
    """Accept mean ± sigmas·std of repeated reference runs, widened to their min/max and by margin."""

    runs: int = Field(5, ge=2, description="reference runs with seeds 0..runs-1")
    sigmas: float = Field(4.0, ge=0)
    margin: float = Field(0.0, ge=0, description="absolute widening on each side")
    side: Literal["both", "lower", "upper"] = Field(
        "both", description="lower: only a lower bound (higher accuracy is fine); upper: only upper")


Validation = Literal["data", "split"]  # validation_data=(x, y) (a split by hand), validation_split=f


class Choices(Frozen):
    """What the sheet's text leaves open to the student, for the trainings a sheet calibrates."""

    optimizers: dict[str, Interval] = Field(
        description="optimizer (Keras class name, lower case: sgd, adam, …) -> accepted learning rates")
    activations: list[str] = Field(min_length=1, description="hidden-layer activations (relu, sigmoid, …)")
    batch_sizes: list[Annotated[int, Field(ge=1)]] = Field(min_length=1)
    validation: list[Validation] = Field(min_length=1, description="data: validation_data=(x, y); "
                                                                   "split: validation_split=f")


class Family(Frozen):
    """One configuration the reference is calibrated under (exported to it as GRADER_CONFIG)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    label: str = Field(min_length=1, description="for feedback, e.g. 'SGD (lr 0.1) + sigmoid, batch 64'")
    optimizer: str
    learning_rate: float = Field(gt=0)
    activation: str
    batch_size: int = Field(ge=1)
    validation: Validation = "data"

    def config(self) -> dict[str, Any]:
        return self.model_dump(exclude={"name", "label"})


class Training(Frozen):
    """One training the sheet leaves open: the choices it allows and the families calibrated within
    them (the first: the reference's). The reference receives ``{"training": name, **family}``."""

    name: str = Field(pattern=IDENT, description="named by the calibrated checks it governs")
    input_dim: int | None = Field(None, ge=1, description="only fit() calls on inputs of this many "
                                                            "features count (784: MNIST images)")
    choices: Choices
    families: list[Family] = Field(min_length=1, description="the first is the reference's default")

    @model_validator(mode="after")
    def _families_within_choices(self) -> Training:
        for f in self.families:
            rates = self.choices.optimizers.get(f.optimizer)
            allowed = (f.activation in self.choices.activations, f.batch_size in self.choices.batch_sizes,
                       f.validation in self.choices.validation)
            if rates is None or not all(allowed):
                raise ValueError(f"family {f.name!r} is outside the sheet's choices")
            if (rates.low is not None and f.learning_rate < rates.low) or (
                    rates.high is not None and f.learning_rate > rates.high):
                raise ValueError(f"family {f.name!r}: learning rate {f.learning_rate} is outside "
                                 f"the accepted rates of {f.optimizer}")
        return self


class AcceptedCheck(CheckBase):
    bounds: Interval | None = Field(None, description="a bound the sheet states")
    calibrated: Calibration | None = Field(None, description="from `grader calibrate`")
    what: str = Field("", description="what the number is, for feedback")
    training: str | None = Field(None, pattern=IDENT, description="the sheet's training (by name) whose "
                                                                  "families this number is calibrated in")
    fallback: Interval | None = Field(
        None, description="with `training`: the bound the sheet states for a configuration its "
                          "families do not cover")

    @model_validator(mode="after")
    def _one_rule(self) -> AcceptedCheck:
        if (self.bounds is None) == (self.calibrated is None):
            raise ValueError("give exactly one of bounds or calibrated")
        if (self.training or self.fallback) and self.calibrated is None:
            raise ValueError("training and fallback are for calibrated checks (a stated bound needs none)")
        if (self.training is None) != (self.fallback is None):
            raise ValueError("a check calibrated per training family states its fallback bound, and only it")
        return self


class RangeCheck(AcceptedCheck):
    """A stochastic number (or a statistic of the student's answers) lies in an accepted range."""

    kind: Literal["range"] = "range"
    statistic: Derivation | None = Field(None, description="computed from the student's answers; "
                                                           "default: the answer itself")

    @property
    def key(self) -> str:
        return f"{self.statistic.function}({self.answer})" if self.statistic else self.answer


class ModelCheck(AcceptedCheck):
    """The grader calls the student's model's predict() on its own inputs; the metric is computed outside."""

    kind: Literal["model"] = "model"
    inputs: Derivation = Field(description="derive.py function giving the inputs (no answers needed)")
    targets: Derivation = Field(description="derive.py function giving the targets (never sent in)")
    metric: Literal["mse", "accuracy"]

    @property
    def key(self) -> str:
        return f"{self.metric}({self.answer})"


class TrendCheck(CheckBase):
    """A statistic that does not depend on the configuration: a trend, or the spread of runs.

    ``increasing``: the Spearman rank correlation of y with x is at least ``threshold``.
    ``spread``: std/mean of the values (ddof=1) is at most ``threshold``.
    """

    kind: Literal["trend"] = "trend"
    rule: Literal["increasing", "spread"]
    data: Derivation = Field(description="derive.py function of the student's answers: (x, y) for "
                                         "increasing, the values for spread")
    threshold: float = Field(description="increasing: least rank correlation; spread: largest std/mean")
    what: str = Field("", description="what the numbers are, for feedback")
