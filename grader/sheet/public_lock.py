"""The public lock: what a student may hold to check a notebook before submitting it.

``grader lock --public SHEET -o FILE`` reduces the sheet and its lock to what ``grader check``
needs to run a notebook exactly as grading would and to say what is missing or of the wrong
form, with no sheet folder: the visible part of the run plan (executor, limits, answer names,
visible probe inputs, datasets and data files by name), each check by task, answer and the names
it reads, the form (type and shape) of each reference answer and of each visible probe's output.
It holds no expected value, no probe output, no hidden or random probe, no model input, no
tolerance, no choice's accepted answers, no manual point's prompt and no calibration:
``tests/sheets/test_public_lock.py`` walks every number and text of each shipped lock and sheet
and finds none of them in its public lock. The data files the sheet stages are copied beside it.

Its ``kind`` field tells it apart: grading refuses it (it cannot score anything), and
``grader check`` takes either it or a full lock (reduced on reading).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Literal

from pydantic import Field, JsonValue, ValidationError

from grader.checks.forms import Form, form_of
from grader.checks.probes import probe_inputs
from grader.frozen import Frozen
from grader.grading.plan import RunPlan, run_plan
from grader.harness import wire
from grader.sheet import Sheet, SheetError
from grader.sheet.kinds import FiniteDifferenceCheck, FunctionCheck, ShapeRule
from grader.sheet.lock import SheetLock
from grader.sheet.spec import Check, Limits, student_derivations

PUBLIC_KIND: Literal["public-lock"] = "public-lock"


class VisibleProbe(Frozen):
    args: list[JsonValue] = Field(description="as sheet.yaml writes them (shown in feedback anyway)")
    label: str = ""
    call: str = Field(description="the call as feedback names it, e.g. f(1, 2)")
    returns: Form | None = Field(None, description="the form of what the reference returned")


class PublicCheck(Frozen):
    task: str
    answer: str
    kind: str
    reads: list[str] = Field(default_factory=list, description="the names it reads from the run "
                                                               "(the answer itself first, if it is one)")
    shape: ShapeRule = "lenient"
    of: str | None = Field(None, description="finite_difference: the forward function it calls")


class PublicLock(Frozen):
    kind: Literal["public-lock"] = PUBLIC_KIND
    sheet: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="the sheet's id")
    title: str
    sheet_hash: str = Field(description="of the sheet folder the lock was made from")
    answers: dict[str, Form] = Field(description="answer name -> the form of the reference's value")
    functions: dict[str, list[VisibleProbe]] = Field(description="function name -> its visible probes")
    checks: list[PublicCheck]
    plan: RunPlan = Field(description="how grading runs a submission, but for hidden probes and model inputs")

    @property
    def manual(self) -> list[PublicCheck]:
        """The points a TA scores by hand."""
        return [c for c in self.checks if c.kind == "manual"]

    @property
    def limits(self) -> Limits:
        return self.plan.limits


def _visible(name: str, check: FunctionCheck, outputs: list[object]) -> list[VisibleProbe]:
    shown = [p for p in probe_inputs(check) if not p.hidden]  # the visible ones come first
    return [VisibleProbe(args=p.args, label=p.label, call=i.describe(name, n),
                         returns=form_of(outputs[n - 1]) if n <= len(outputs) else None)
            for n, (p, i) in enumerate(zip(check.probes, shown, strict=True), 1)]


def _public_check(sheet: Sheet, task: str, check: Check) -> PublicCheck:
    reads = [check.answer] * (check.answer in sheet.spec.answer_names())
    reads += [a for d in student_derivations(check) for a in d.args]
    return PublicCheck(task=task, answer=check.answer, kind=check.kind, reads=list(dict.fromkeys(reads)),
                       shape=getattr(check, "shape", None) or sheet.spec.shape,
                       of=check.of if isinstance(check, FiniteDifferenceCheck) else None)


def public_lock(sheet: Sheet, lock: SheetLock) -> PublicLock:
    """The public part of ``lock`` (made from ``sheet``)."""
    answers, outputs = lock.decoded()
    return PublicLock(
        sheet=sheet.id, title=sheet.spec.title, sheet_hash=lock.sheet_hash,
        answers={name: form_of(value) for name, value in answers.items()},
        functions={name: _visible(name, check, outputs.get(name, []))
                   for name, check in sheet.spec.functions().items()},
        checks=[_public_check(sheet, t.id, c) for t, c in sheet.spec.checks()],
        plan=run_plan(sheet, visible_only=True))


def render(public: PublicLock) -> str:
    return json.dumps(public.model_dump(mode="json", exclude_none=True), indent=1, sort_keys=True) + "\n"


def write_public_lock(sheet: Sheet, lock: SheetLock, output: Path) -> PublicLock:
    """Write the public lock of ``lock`` to ``output``, and the sheet's data files beside it (a
    notebook runs with them). ``output`` must lie outside the sheet and reference folders: the
    lock holds their hashes, so a file added there (or over the lock itself) would leave grading
    with a stale or public lock."""
    if (inside := sheet.locked_folder(output)) is not None:
        what, folder = inside
        raise SheetError(f"-o {output} is inside the {what} folder {folder}: it would change the "
                         f"folder the lock was made from (or replace the lock); write it elsewhere")
    if output.is_dir():
        raise SheetError(f"-o {output} is a folder: give the file to write, "
                         f"e.g. {output / (sheet.id + '.public.json')}")
    public = public_lock(sheet, lock)
    output.write_text(render(public), encoding="utf-8")
    for data in sheet.data_files():
        shutil.copyfile(data, output.parent / data.name)
    return public


def load_public_lock(path: Path, sheet: Sheet | None = None) -> PublicLock:
    """The public lock in ``path``; with ``sheet``, the file may also be the sheet's full lock
    (reduced here), and must belong to that sheet. Without, it must be a public lock."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SheetError(f"{path}: not a lock file: {exc}") from None
    public_kind = isinstance(raw, dict) and raw.get("kind") == PUBLIC_KIND
    if sheet is None and not public_kind:
        raise SheetError(f"{path}: not a public lock (`grader lock --public` writes one); with a "
                         "full lock, name the sheet: grader check SHEET NOTEBOOK --lock FILE")
    try:
        public = PublicLock.model_validate(raw) if public_kind or sheet is None \
            else public_lock(sheet, SheetLock.model_validate(raw))
    except ValidationError as exc:
        raise _invalid(path, exc, public_kind) from None
    except wire.WireError as exc:
        raise SheetError(f"{path}: not a valid lock file: {exc}") from None
    if sheet is not None and public.sheet != sheet.id:
        raise SheetError(f"{path} is the lock of {public.sheet!r}, not of {sheet.id!r}")
    return public


def _invalid(path: Path, exc: ValidationError, public_kind: bool) -> SheetError:
    """One line: the first problem, and how many more (a public lock of another version has many)."""
    first = exc.errors()[0]
    where = ".".join(map(str, first["loc"])) or "(top level)"
    older = " (made by another version of grader? `grader lock --public` makes a current one)" \
        if public_kind else ""
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return SheetError(f"{path}: not a valid lock file{older}: {where}: {first['msg']}{more}")


def public_kind_problem(text: str) -> str | None:
    """Why the text of what should be a full lock is a public lock instead (None otherwise)."""
    try:
        raw = json.loads(text)
    except ValueError:
        return None
    if isinstance(raw, dict) and raw.get("kind") == PUBLIC_KIND:
        return ("it is a public lock (`grader lock --public`): it holds no expected answers, so it "
                "can only serve `grader check`; grading needs the full lock made by `grader lock`")
    return None
