"""The run plan: everything running a submission as grading does needs, apart from the submission.

Grading makes it from the sheet (:func:`run_plan`). A public lock carries the visible part of
the same plan (no hidden or random probe, no model input: the student's code could keep what
it is called with), so ``grader check`` runs a notebook exactly as grading would with the public
lock alone, no sheet folder. Both prepare the working folder with :func:`prepare_run` and build
the sandbox's job with :func:`job_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, JsonValue

from grader.checks.probes import encoded_calls
from grader.frozen import Frozen
from grader.grading.discover import Prepared, Submission, place_file, prepare_files
from grader.harness import wire
from grader.sandbox.job import Job, ProbeCall
from grader.sheet import Sheet, SheetError, datasets
from grader.sheet.kinds import PlotCheck
from grader.sheet.spec import Limits


class RunPlan(Frozen):
    filenames: list[str] = Field(description="preferred file names when a submission has several")
    data: list[str] = Field(default_factory=list, description="files of the sheet's data/ folder, "
                                                              "staged beside the submission")
    datasets: dict[str, str] = Field(default_factory=dict,
                                     description="offline dataset -> file staged in the workdir")
    answers: list[str] = Field(description="the names whose values the harness reads")
    probes: dict[str, list[ProbeCall]] = Field(default_factory=dict, description="function name -> calls")
    models: dict[str, list[JsonValue]] = Field(
        default_factory=dict, description="model name -> wire-encoded inputs for its predict()")
    figures: bool = Field(False, description="snapshot matplotlib figures (the sheet has plot checks)")
    executor: Literal["nbclient", "lean"]
    limits: Limits


def run_plan(sheet: Sheet, *, visible_only: bool = False) -> RunPlan:
    """The sheet's plan; ``visible_only``: without hidden and random probes and model inputs (a
    model is still looked up, never called), the plan a public lock may carry."""
    spec = sheet.spec
    probes = {name: [c for c in calls if not (visible_only and c.secret)]
              for name, calls in encoded_calls(spec).items()}
    models = {c.answer: [] if visible_only else [wire.encode(sheet.derive[c.inputs.function]())]
              for c in spec.models()}
    return RunPlan(filenames=spec.submission.filenames, data=spec.data,
                   datasets={name: datasets.STAGED[name] for name in spec.datasets},
                   answers=spec.answer_names(), probes=probes, models=models,
                   figures=any(isinstance(c, PlotCheck) for _, c in spec.checks()),
                   executor=spec.executor, limits=spec.limits)


def job_of(plan: RunPlan, prepared: Prepared, seed: int | None = None,
           config: dict[str, Any] | None = None) -> Job:
    """The sandbox's job for the prepared submission (grading's and ``grader check``'s alike)."""
    limits = plan.limits
    return Job(source=str(prepared.main), kind=prepared.kind, workdir=str(prepared.workdir),
               answers=plan.answers, probes=plan.probes, models=plan.models, figures=plan.figures,
               datasets=plan.datasets, seed=seed, config=config, executor=plan.executor,
               probe_timeout_s=limits.probe_timeout_s, model_timeout_s=limits.model_timeout_s,
               cell_timeout_s=limits.cell_timeout_s, total_timeout_s=limits.total_timeout_s,
               max_output_chars=limits.max_output_kib * 1024, max_cells=limits.max_cells)


def data_files(plan: RunPlan, folder: Path) -> list[Path]:
    """The plan's data files in ``folder``; SheetError naming the missing ones."""
    files = [folder / name for name in plan.data]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise SheetError(f"the data files {missing} are not in {folder}: put the files handed out with "
                         "the lock beside it, or pass --data DIR")
    return files


def prepare_run(plan: RunPlan, sub: Submission, workdir: Path, data: list[Path],
                overrides: Mapping[str, Path]) -> Prepared:
    """Prepare ``sub`` in the empty ``workdir`` with the data files and datasets it runs with;
    SubmissionProblem if it cannot run."""
    prepared = prepare_files(sub, workdir, plan.filenames, plan.limits.max_unpacked_mib, data)
    for staged in datasets.resolve(list(plan.datasets), dict(overrides)):
        place_file(staged.source, workdir, staged.rel)  # after the student's files: theirs cannot replace it
    return prepared
