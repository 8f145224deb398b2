"""The two models that cross the sandbox boundary: the Job going in and the RunResult coming out.

Both are plain JSON. The Job carries answer names and probe inputs, never an expected value.
The RunResult is untrusted: it arrives size-capped on the result channel
(:mod:`grader.sandbox.channel`) and is validated here; anything that does not fit becomes that
student's error.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue

from grader.frozen import Frozen

_MAX_CELLS = 1_000_000  # a result claiming more is forged: no limit lets a run have that many cells
# What the harness keeps of the cells' outputs (grader/harness/cells.py OutputLog): the host
# refuses a result past these bounds as forged. The frame's own cap is 8 MiB.
MAX_OUTPUT_TEXT = 20_000
MAX_OUTPUT_PNG = 1_000_000  # base64 characters of one image
MAX_OUTPUTS_PER_CELL = 20

RunStatus = Literal[
    "completed",           # every cell ran (some may have raised); answers were read
    "timeout",             # the whole run passed its wall-clock limit and was killed
    "crashed",             # the process died (signal, os._exit, memory) before writing results
    "kernel_died",         # the notebook's kernel stopped mid-run
    "invalid_submission",  # not a readable notebook/script (not JSON, not UTF-8, too many cells)
    "harness_error",       # reading the answers failed; a grader problem unless the code sabotaged it
    "malformed_result",    # the result file was missing the format, too large, or a symlink
]


class ProbeCall(Frozen):
    args: list[JsonValue] = Field(description='wire-encoded; {"$call": f, "args": [...], "item": i} '
                                              "is the student's own f(*args)[i], computed inside")
    item: int | None = Field(None, description="keep only this item of the returned tuple")
    secret: bool = Field(False, description="a hidden probe: its input enters the sandbox only after "
                                            "the answers and the run log are read")


class Job(Frozen):
    source: str = Field(description="absolute path of the file to run, inside the workdir")
    kind: Literal["notebook", "script"]
    workdir: str
    stage_from: str | None = Field(None, description="copy this folder into workdir first")
    answers: list[str]
    probes: dict[str, list[ProbeCall]] = Field(default_factory=dict, description="function name -> calls")
    models: dict[str, list[JsonValue]] = Field(
        default_factory=dict, description="model name -> wire-encoded inputs for its predict()")
    figures: bool = Field(False, description="snapshot matplotlib figures for plot checks")
    datasets: dict[str, str] = Field(default_factory=dict,
                                     description="offline dataset -> file staged in the workdir")
    seed: int | None = Field(None, description="exported as GRADER_SEED (calibration runs)")
    config: dict[str, JsonValue] | None = Field(
        None, description="exported as GRADER_CONFIG, JSON (calibration under a training family)")
    executor: Literal["nbclient", "lean"] = Field(
        "nbclient", description="notebooks: a Jupyter kernel via nbclient, or IPython in the driver")
    probe_timeout_s: float
    model_timeout_s: float = 60.0
    cell_timeout_s: float
    total_timeout_s: float
    max_output_chars: int
    max_cells: int
    secrets_follow: bool = Field(False, description="hidden probes come on stdin after the first frame")

    def public(self) -> Job:
        """What the sandbox may read: every probe but the hidden ones."""
        visible = {name: [c for c in calls if not c.secret] for name, calls in self.probes.items()}
        return self.model_copy(update={"probes": visible, "secrets_follow": bool(self.secret_calls())})

    def secret_calls(self) -> dict[str, list[ProbeCall]]:
        hidden = {name: [c for c in calls if c.secret] for name, calls in self.probes.items()}
        return {name: calls for name, calls in hidden.items() if calls}

    def merge_probes(self, public: dict[str, list[ProbeOutcome]],
                     secret: dict[str, list[ProbeOutcome]]) -> dict[str, list[ProbeOutcome]]:
        """Put the outcomes of both frames back in the order of :attr:`probes`.

        A function the run did not define has no outcomes; a hidden call that got none (the run
        was stopped after the first frame) is an error."""
        merged: dict[str, list[ProbeOutcome]] = {}
        for name, calls in self.probes.items():
            if name not in public:
                continue
            shown, hidden = iter(public[name]), iter(secret.get(name, []))
            lost = ProbeOutcome(error="no outcome: the run was stopped before this probe finished")
            merged[name] = [next(hidden if c.secret else shown, lost) for c in calls]
        return merged


class CellError(Frozen):
    index: int = Field(ge=0, le=_MAX_CELLS, description="0-based position of the cell in the file")
    kind: Literal["error", "timeout"]
    ename: str
    evalue: str
    traceback: str = ""


class ProbeOutcome(Frozen):
    output: JsonValue = None
    error: str | None = None
    model: dict[str, JsonValue] | None = Field(
        None, description="a model's predictions only: what was called (class, layers, trainable parameters)")


class CellOutput(Frozen):
    """One output of a cell as it ran: text (a stream, a result's text/plain) or a PNG."""

    kind: Literal["text", "image"]
    name: str = Field("", max_length=20, description="stdout, stderr, result, display")
    text: str = Field("", max_length=MAX_OUTPUT_TEXT + 100)
    png_base64: str = Field("", max_length=MAX_OUTPUT_PNG)
    truncated: bool = False


class CellOutputs(Frozen):
    cell: int = Field(ge=0, le=_MAX_CELLS, description="0-based position of the cell in the file")
    outputs: list[CellOutput] = Field(default_factory=list, max_length=MAX_OUTPUTS_PER_CELL)


class RunResult(Frozen):
    status: RunStatus
    message: str = ""
    n_cells: int = Field(0, ge=0, le=_MAX_CELLS)
    cell_errors: list[CellError] = Field(default_factory=list)
    answers: dict[str, JsonValue] = Field(default_factory=dict)
    probes: dict[str, list[ProbeOutcome]] = Field(default_factory=dict)
    predictions: dict[str, list[ProbeOutcome]] = Field(default_factory=dict)
    figures: list[JsonValue] = Field(default_factory=list, description="matplotlib snapshots")
    training: list[JsonValue] = Field(default_factory=list, max_length=50,
                                      description="fit() calls: optimizer, activations, batch size …")
    removed: dict[str, int] = Field(
        default_factory=dict, description="answers a cell had defined and a later one removed: that cell")
    stdout: str = ""
    stderr: str = ""
    outputs: list[CellOutputs] = Field(default_factory=list,
                                       description="what each cell showed, bounded (earlier cells first)")
    outputs_cut: int = Field(0, ge=0, description="outputs not kept: past the budget")
    duration_s: float = Field(0.0, ge=0.0, le=10 * 86400, description="as the driver measured it")

    @classmethod
    def failure(cls, status: RunStatus, message: str, **extra: Any) -> RunResult:
        return cls(status=status, message=message, **extra)


class SecretFrame(Frozen):
    """The second frame: outcomes of the hidden probes, per function."""

    probes: dict[str, list[ProbeOutcome]] = Field(default_factory=dict)
