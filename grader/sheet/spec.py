"""The machine-readable exercise sheet: tasks, points, answer names, checks, tolerances, limits.

A sheet lives in ``sheets/<id>/sheet.yaml``. These frozen models are its schema; ``grader
schema sheet`` exports them as JSON Schema. Loading (see :mod:`grader.sheet`) rejects a broken
sheet with the field and the reason.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from grader.frozen import Frozen
from grader.sheet.kinds import (
    SHAPE_HELP,
    ChoiceCheck,
    ConsistencyCheck,
    Derivation,
    FiniteDifferenceCheck,
    FunctionCheck,
    ManualCheck,
    PlotCheck,
    ShapeRule,
    Tolerance,
    ValueCheck,
)
from grader.sheet.training import ModelCheck, RangeCheck, Training, TrendCheck

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
