"""The machine-readable exercise sheet: tasks, points, answer names, checks, tolerances, limits.

A sheet lives in ``sheets/<id>/sheet.yaml``. These frozen models are its schema; ``grader
schema sheet`` exports them as JSON Schema. Loading (see :mod:`grader.sheet`) rejects a broken
sheet with the field and the reason.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"
# lenient by default: students write np.array([3.0]) and Keras predicts [[6.0]] for one input,
# and a TA gives the point; exact is for the answers whose shape is the point
ShapeRule = Literal["lenient", "exact"]
SHAPE_HELP = ("lenient: a one-element array counts as the number it holds, and a number as a "
              "one-element array; exact: neither. Other shapes must always match")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tolerance(Frozen):
    """How close a number must be, elementwise, exactly as ``numpy.isclose(got, expected)``.

    ``|got - expected| <= atol + rtol * |expected|``. The rule is not symmetric: the relative
    part scales with the expected value. NaN matches only a NaN expected at the same place;
    ``inf`` matches only an ``inf`` of the same sign. Shapes must be equal, except that a list
    is an array, a 0-d array is a scalar and (unless ``shape: exact``) a one-element array is
    the number it holds.
    """

    rtol: float = Field(1e-4, ge=0, le=1)
    atol: float = Field(1e-6, ge=0)

    def describe(self) -> str:
        return f"atol {self.atol:g} + rtol {self.rtol:g}·|expected|"


class Derivation(Frozen):
    """A call of a function in the sheet's trusted ``derive.py`` on named answers."""

    function: str = Field(pattern=IDENT)
    args: list[str] = Field(default_factory=list, description="answer names, passed positionally")


class Alternative(Frozen):
    """Another accepted convention, computed from the reference's own answers."""

    label: str
    derive: Derivation


class FollowThrough(Frozen):
    """Expected value recomputed from the student's own earlier answers (one slip, one penalty)."""

    derive: Derivation
    credit: float = Field(1.0, gt=0, le=1, description="share of the points it earns")


class _Check(Frozen):
    answer: str = Field(pattern=IDENT, description="the name the submission must define")
    weight: float = Field(1.0, gt=0, description="share of the task's points, relative")
    description: str = ""


class ValueCheck(_Check):
    kind: Literal["value"] = "value"
    tolerance: Tolerance | None = None
    convention: str = Field("the reference solution's convention",
                            description="named in feedback when there are alternatives")
    alternatives: list[Alternative] = Field(default_factory=list)
    follow_through: FollowThrough | None = None
    shape: ShapeRule | None = Field(None, description=SHAPE_HELP + ". Default: the sheet's")


class Probe(Frozen):
    args: list[Any]
    label: str = ""


class RandomArg(Frozen):
    shape: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list)
    low: float = -3.0
    high: float = 3.0


class RandomProbes(Frozen):
    count: int = Field(ge=1, le=100)
    seed: int = 0
    args: list[RandomArg]


class FunctionAlternative(Frozen):
    """Another accepted convention: ``function(*probe args)`` in derive.py gives its outputs."""

    label: str
    function: str = Field(pattern=IDENT)


class FunctionCheck(_Check):
    kind: Literal["function"] = "function"
    tolerance: Tolerance | None = None
    compare_via: str | None = Field(
        None, pattern=IDENT, description="derive.py f(output, *args): compare f of the outputs "
                                         "(e.g. a network's outputs, when several parameters are right)")
    probes: list[Probe] = Field(default_factory=list, description="shown in feedback")
    hidden: list[Probe] = Field(default_factory=list, description="inputs never shown")
    random: RandomProbes | None = Field(None, description="hidden, drawn once per sheet")
    array_args: bool = Field(True, description="pass lists of numbers as float64 numpy arrays")
    convention: str = Field("the reference solution's convention",
                            description="named in feedback when there are alternatives")
    alternatives: list[FunctionAlternative] = Field(default_factory=list)
    shape: ShapeRule | None = Field(None, description=SHAPE_HELP + " (in probe outputs). "
                                                                   "Default: the sheet's")

    @model_validator(mode="after")
    def _has_probes(self) -> FunctionCheck:
        if not (self.probes or self.hidden or self.random):
            raise ValueError("a function check needs probes, hidden probes or random probes")
        return self


class FiniteDifferenceCheck(_Check):
    """A derivative the student codes agrees with central differences of their own forward function.

    Uses the visible probes of the function check of the same ``answer``. ``elementwise``:
    ``answer(x, *rest) ≈ (of(x+h, *rest) - of(x-h, *rest)) / 2h``. ``vjp`` (a backward pass):
    the probe's first argument is the upstream gradient ``dout`` and one argument is
    ``{call: of, args: F, item: …}``; the answer must return, for each argument index in ``wrt``,
    the gradient of ``sum(of(*F)[output_item] * dout)`` with respect to ``F[index]``.
    """

    kind: Literal["finite_difference"] = "finite_difference"
    of: str = Field(pattern=IDENT, description="the student's forward function")
    mode: Literal["elementwise", "vjp"] = "elementwise"
    step: float = Field(1e-5, gt=0)
    wrt: list[int] = Field(default_factory=list, description="vjp: forward argument indices")
    output_item: int | None = Field(None, description="vjp: the item of of()'s result that is the output")
    max_probes: int = Field(3, ge=1, description="how many of the visible probes to difference")
    tolerance: Tolerance = Tolerance(rtol=1e-3, atol=1e-5)


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


class _Accepted(_Check):
    bounds: Interval | None = Field(None, description="a bound the sheet states")
    calibrated: Calibration | None = Field(None, description="from `grader calibrate`")
    what: str = Field("", description="what the number is, for feedback")
    training: str | None = Field(None, pattern=IDENT, description="the sheet's training (by name) whose "
                                                                  "families this number is calibrated in")
    fallback: Interval | None = Field(
        None, description="with `training`: the bound the sheet states for a configuration its "
                          "families do not cover")

    @model_validator(mode="after")
    def _one_rule(self) -> _Accepted:
        if (self.bounds is None) == (self.calibrated is None):
            raise ValueError("give exactly one of bounds or calibrated")
        if (self.training or self.fallback) and self.calibrated is None:
            raise ValueError("training and fallback are for calibrated checks (a stated bound needs none)")
        if (self.training is None) != (self.fallback is None):
            raise ValueError("a check calibrated per training family states its fallback bound, and only it")
        return self


class RangeCheck(_Accepted):
    """A stochastic number (or a statistic of the student's answers) lies in an accepted range."""

    kind: Literal["range"] = "range"
    statistic: Derivation | None = Field(None, description="computed from the student's answers; "
                                                           "default: the answer itself")

    @property
    def key(self) -> str:
        return f"{self.statistic.function}({self.answer})" if self.statistic else self.answer


class ModelCheck(_Accepted):
    """The grader calls the student's model's predict() on its own inputs; the metric is computed outside."""

    kind: Literal["model"] = "model"
    inputs: Derivation = Field(description="derive.py function giving the inputs (no answers needed)")
    targets: Derivation = Field(description="derive.py function giving the targets (never sent in)")
    metric: Literal["mse", "accuracy"]

    @property
    def key(self) -> str:
        return f"{self.metric}({self.answer})"


class TrendCheck(_Check):
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


class ConsistencyCheck(_Check):
    """An answer agrees with what the student's own other answers imply (a mean of their runs)."""

    kind: Literal["consistency"] = "consistency"
    derive: Derivation
    alternatives: list[Alternative] = Field(default_factory=list)
    tolerance: Tolerance = Tolerance(rtol=1e-3, atol=1e-6)


class PlotCheck(_Check):
    """A figure the submission drew shows the data of its own answers (read from matplotlib)."""

    kind: Literal["plot"] = "plot"
    answer: str = Field(min_length=1, description="a label for the point, e.g. 'plot-loss-curve'")
    data: Derivation = Field(description="derive.py function giving (x, y) from the student's answers")
    tolerance: Tolerance = Tolerance(rtol=1e-3, atol=1e-6)


class ChoiceCheck(_Check):
    kind: Literal["choice"] = "choice"
    accepted: list[str] = Field(default_factory=list, description="matched after normalize_choice()")
    parts: list[list[str]] = Field(default_factory=list,
                                   description="for a tuple answer: accepted spellings of each item")
    key: str | None = Field(None, description="judge answer[key] (a dict of several choices)")

    @model_validator(mode="after")
    def _one_list(self) -> ChoiceCheck:
        if bool(self.accepted) == bool(self.parts):
            raise ValueError("give either accepted (one text) or parts (a tuple of texts)")
        return self

    @property
    def label(self) -> str:
        return f"{self.answer}[{self.key!r}]" if self.key is not None else self.answer


class ManualCheck(Frozen):
    kind: Literal["manual"] = "manual"
    answer: str = Field(min_length=1, description="a label for the point, e.g. '1.2d-proof'")
    weight: float = Field(1.0, gt=0)
    description: str = ""
    prompt: str = Field(description="what the TA is to look for (never shown to students)")


Check = Annotated[ValueCheck | FunctionCheck | FiniteDifferenceCheck | RangeCheck | ModelCheck
                  | TrendCheck | ConsistencyCheck | PlotCheck | ChoiceCheck | ManualCheck,
                  Field(discriminator="kind")]


class Task(Frozen):
    id: str = Field(min_length=1)
    title: str = ""
    points: float = Field(ge=0)
    checks: list[Check] = Field(min_length=1)

    def check_points(self, check: Check) -> float:
        total = sum(c.weight for c in self.checks)
        return self.points * check.weight / total


class Limits(Frozen):
    cell_timeout_s: float = Field(60, gt=0)
    total_timeout_s: float = Field(300, gt=0)
    probe_timeout_s: float = Field(10, gt=0)
    model_timeout_s: float = Field(60, gt=0, description="one predict() call of a model check")
    memory_mib: int = Field(2048, ge=64)
    max_output_kib: int = Field(256, ge=1)
    max_cells: int = Field(2000, ge=1)
    max_file_mib: int = Field(64, ge=1)
    max_open_files: int = Field(256, ge=16)
    max_processes: int = Field(256, ge=8, description="processes and threads together")
    tmpfs_mib: int = Field(512, ge=16, description="the sandbox's /tmp and working folder, each")
    max_unpacked_mib: int = Field(200, ge=1, description="zip submissions, total unpacked")


class SubmissionRule(Frozen):
    filenames: list[str] = Field(default_factory=list,
                                 description="preferred file names when a folder has several")


def all_derivations(check: Check) -> list[Derivation]:
    """Every derive.py call a check makes (validated when the sheet loads)."""
    extra: list[Derivation] = []
    if isinstance(check, ValueCheck):
        extra = [a.derive for a in check.alternatives]
    elif isinstance(check, ModelCheck):
        extra = [check.inputs, check.targets]
    return extra + student_derivations(check)


def student_derivations(check: Check) -> list[Derivation]:
    """Derivations evaluated on the student's answers (their args must be read back)."""
    if isinstance(check, ValueCheck):
        return [check.follow_through.derive] if check.follow_through else []
    if isinstance(check, ConsistencyCheck):
        return [check.derive, *(a.derive for a in check.alternatives)]
    if isinstance(check, RangeCheck):
        return [check.statistic] if check.statistic else []
    if isinstance(check, PlotCheck | TrendCheck):
        return [check.data]
    return []


class SheetSpec(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    source: str = Field("", description="the document the sheet comes from")
    reference: str = Field("", description="reference folder, relative to the sheet folder")
    tolerance: Tolerance = Tolerance()
    shape: ShapeRule = Field("lenient", description=SHAPE_HELP + ". The default of value and function checks")
    submission: SubmissionRule = SubmissionRule()
    data: list[str] = Field(default_factory=list, description="files in the sheet's data/ folder")
    datasets: list[Literal["mnist"]] = Field(
        default_factory=list, description="served offline to keras.datasets.<name>.load_data()")
    requires: list[str] = Field(default_factory=list,
                                description="modules the submissions import (checked by doctor)")
    limits: Limits = Limits()
    executor: Literal["nbclient", "lean"] = Field(
        "nbclient", description="how notebooks run: a Jupyter kernel (nbclient, the faithful mode) or "
                                "IPython's InteractiveShell in the sandbox's interpreter (lean, no kernel)")
    trainings: list[Training] = Field(default_factory=list, description="trainings whose choices the "
                                      "sheet leaves open, and the configuration families calibrated")
    tasks: list[Task] = Field(min_length=1)

    @model_validator(mode="after")
    def _trainings(self) -> SheetSpec:
        names = [t.name for t in self.trainings]
        families = [f.name for t in self.trainings for f in t.families]
        for what, found in (("training", names), ("family", families)):
            if len(set(found)) != len(found):
                raise ValueError(f"{what} names must be unique across the sheet: {found}")
        unknown = [c.key for c in self.calibrated() if c.training and c.training not in names]
        if unknown:
            raise ValueError(f"checks name a training the sheet does not declare: {unknown}")
        return self

    def training_of(self, check: RangeCheck | ModelCheck) -> Training | None:
        return next((t for t in self.trainings if t.name == check.training), None)

    @model_validator(mode="after")
    def _unique(self) -> SheetSpec:
        ids = [t.id for t in self.tasks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"task ids must be unique; repeated: {dupes}")
        functions = [c.answer for t in self.tasks for c in t.checks if c.kind == "function"]
        dupes = sorted({f for f in functions if functions.count(f) > 1})
        if dupes:
            raise ValueError(f"one function check per function; repeated: {dupes}")
        lonely = [c.answer for _, c in self.checks()
                  if isinstance(c, FiniteDifferenceCheck) and c.answer not in functions]
        if lonely:
            raise ValueError(f"finite_difference checks need a function check of the same answer: {lonely}")
        return self

    def checks(self) -> list[tuple[Task, Check]]:
        return [(task, check) for task in self.tasks for check in task.checks]

    def answer_names(self) -> list[str]:
        """Every name whose value the harness reads: checked answers and follow-through inputs."""
        names: list[str] = []
        for _, check in self.checks():
            if isinstance(check, ValueCheck | ChoiceCheck | ConsistencyCheck) or (
                    isinstance(check, RangeCheck) and not check.statistic):
                names.append(check.answer)
            names.extend(arg for d in student_derivations(check) for arg in d.args)
        return list(dict.fromkeys(names))

    def functions(self) -> dict[str, FunctionCheck]:
        """Function checks by the function they call (one each: the validator makes sure)."""
        return {c.answer: c for _, c in self.checks() if isinstance(c, FunctionCheck)}

    def models(self) -> list[ModelCheck]:
        return [c for _, c in self.checks() if isinstance(c, ModelCheck)]

    def calibrated(self) -> list[RangeCheck | ModelCheck]:
        return [c for _, c in self.checks() if isinstance(c, RangeCheck | ModelCheck) and c.calibrated]

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tasks)
