"""The machine-readable exercise sheet: tasks, points, answer names, checks, tolerances, limits.

A sheet lives in ``sheets/<id>/sheet.yaml``. These frozen models are its schema; ``grader
schema sheet`` exports them as JSON Schema. Loading (see :mod:`grader.sheet`) rejects a broken
sheet with the field and the reason.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tolerance(Frozen):
    """How close a number must be, elementwise, exactly as ``numpy.isclose(got, expected)``.

    ``|got - expected| <= atol + rtol * |expected|``. The rule is not symmetric: the relative
    part scales with the expected value. NaN matches only a NaN expected at the same place;
    ``inf`` matches only an ``inf`` of the same sign. Shapes must be equal, except that a list
    is an array and a 0-d array is a scalar.
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


class FunctionCheck(_Check):
    kind: Literal["function"] = "function"
    tolerance: Tolerance | None = None
    probes: list[Probe] = Field(default_factory=list, description="shown in feedback")
    hidden: list[Probe] = Field(default_factory=list, description="inputs never shown")
    random: RandomProbes | None = Field(None, description="hidden, drawn once per sheet")
    array_args: bool = Field(True, description="pass lists of numbers as float64 numpy arrays")

    @model_validator(mode="after")
    def _has_probes(self) -> FunctionCheck:
        if not (self.probes or self.hidden or self.random):
            raise ValueError("a function check needs probes, hidden probes or random probes")
        return self


class ChoiceCheck(_Check):
    kind: Literal["choice"] = "choice"
    accepted: list[str] = Field(min_length=1, description="matched after normalize_choice()")


class ManualCheck(Frozen):
    kind: Literal["manual"] = "manual"
    answer: str = Field(min_length=1, description="a label for the point, e.g. '1.2d-proof'")
    weight: float = Field(1.0, gt=0)
    description: str = ""
    prompt: str = Field(description="what the TA is to look for (never shown to students)")


Check = Annotated[ValueCheck | FunctionCheck | ChoiceCheck | ManualCheck,
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


class SheetSpec(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    source: str = Field("", description="the document the sheet comes from")
    reference: str = Field("", description="reference folder, relative to the sheet folder")
    tolerance: Tolerance = Tolerance()
    submission: SubmissionRule = SubmissionRule()
    data: list[str] = Field(default_factory=list, description="files in the sheet's data/ folder")
    limits: Limits = Limits()
    tasks: list[Task] = Field(min_length=1)

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
        return self

    def checks(self) -> list[tuple[Task, Check]]:
        return [(task, check) for task in self.tasks for check in task.checks]

    def answer_names(self) -> list[str]:
        """Every name whose value the harness reads: checked answers and follow-through inputs."""
        names: list[str] = []
        for _, check in self.checks():
            if isinstance(check, ValueCheck | ChoiceCheck):
                names.append(check.answer)
            if isinstance(check, ValueCheck) and check.follow_through:
                names.extend(check.follow_through.derive.args)
        return list(dict.fromkeys(names))

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tasks)
