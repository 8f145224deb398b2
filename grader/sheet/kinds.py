"""The check kinds a sheet can use: the models of ``checks:`` in ``sheet.yaml`` (value, function,
finite_difference, consistency, plot, choice, manual; trained results: :mod:`grader.sheet.training`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grader.frozen import Frozen

IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"
# lenient by default: students write np.array([3.0]) and Keras predicts [[6.0]] for one input,
# and a TA gives the point; exact is for the answers whose shape is the point
ShapeRule = Literal["lenient", "exact"]
SHAPE_HELP = ("lenient: a one-element array counts as the number it holds, and a number as a "
              "one-element array; exact: neither. Other shapes must always match")


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


class CheckBase(Frozen):
    answer: str = Field(pattern=IDENT, description="the name the submission must define")
    weight: float = Field(1.0, gt=0, description="share of the task's points, relative")
    description: str = ""


class ValueCheck(CheckBase):
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


class FunctionCheck(CheckBase):
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


class FiniteDifferenceCheck(CheckBase):
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


class ConsistencyCheck(CheckBase):
    """An answer agrees with what the student's own other answers imply (a mean of their runs)."""

    kind: Literal["consistency"] = "consistency"
    derive: Derivation
    alternatives: list[Alternative] = Field(default_factory=list)
    tolerance: Tolerance = Tolerance(rtol=1e-3, atol=1e-6)


class PlotCheck(CheckBase):
    """A figure the submission drew shows the data of its own answers (read from matplotlib)."""

    kind: Literal["plot"] = "plot"
    answer: str = Field(min_length=1, description="a label for the point, e.g. 'plot-loss-curve'")
    data: Derivation = Field(description="derive.py function giving (x, y) from the student's answers")
    tolerance: Tolerance = Tolerance(rtol=1e-3, atol=1e-6)


class ChoiceCheck(CheckBase):
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


class Locate(Frozen):
    """Where a manual point's answer is when no cell carries its tag ``grader:<answer>``.

    ``heading``: the label of the markdown heading the answer sits under (its cells up to the next
    heading of the same or a higher level). Matched on words, not characters: case, spaces,
    emphasis (``**1.4**``) and punctuation do not matter, and a leading ``Task``, ``Exercise``,
    ``Question``, ``Problem``, ``Part``, ``Aufgabe`` or ``Q`` before a number is ignored on both
    sides, so ``1.4`` matches ``### Task 1.4 (c)``, ``## 1.4. MLP`` and ``**1.4**`` but not
    ``1.4.1`` or ``11.4``. A heading that starts with the label wins over one that only mentions it.
    A line that starts with bold text (``**1.4** …``) counts as a heading below ``######``, titled
    by its bold words.
    """

    heading: str = Field(min_length=1, max_length=100,
                         description="the label of the heading the answer sits under, e.g. '1.4'")

    @model_validator(mode="after")
    def _words(self) -> Locate:
        if "\n" in self.heading or not any(ch.isalnum() for ch in self.heading):
            raise ValueError(f"locate.heading {self.heading!r} must be one line with a letter or "
                             "digit in it (the words of the heading, e.g. '1.4' or 'Exercise 4b')")
        return self


class ManualCheck(Frozen):
    kind: Literal["manual"] = "manual"
    answer: str = Field(min_length=1, description="a label for the point, e.g. '1.2d-proof'")
    weight: float = Field(1.0, gt=0)
    description: str = ""
    prompt: str = Field(description="what the TA is to look for (never shown to students)")
    locate: Locate | None = Field(
        None, description="how the answer is found when no cell is tagged grader:<answer> "
                          "(the handout's tags); without it only the tag is tried")

