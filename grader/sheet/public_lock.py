"""The public lock: what a student may hold to check a notebook before submitting it.

``grader lock --public SHEET -o FILE`` reduces the sheet's lock to the names the sheet asks for,
the form (type and shape) of each reference answer, the visible probe inputs the feedback shows
anyway, the limits and the manual points by name. It holds no expected value, no probe output,
no hidden or random probe, no tolerance and no calibration: ``tests/sheet/test_public_lock.py``
walks every number of each shipped lock and finds none of them in its public lock.

Its ``kind`` field tells it apart: grading refuses it (it cannot score anything), and
``grader check`` takes either it or a full lock (reduced on reading).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, JsonValue, ValidationError

from grader.checks.forms import Form, form_of
from grader.frozen import Frozen
from grader.harness import wire
from grader.sheet import Sheet, SheetError
from grader.sheet.kinds import ManualCheck
from grader.sheet.lock import SheetLock
from grader.sheet.spec import Limits

PUBLIC_KIND: Literal["public-lock"] = "public-lock"


class VisibleProbe(Frozen):
    args: list[JsonValue] = Field(description="as sheet.yaml writes them (shown in feedback anyway)")
    label: str = ""


class ManualPoint(Frozen):
    task: str
    answer: str


class PublicLock(Frozen):
    kind: Literal["public-lock"] = PUBLIC_KIND
    sheet: str
    title: str
    sheet_hash: str = Field(description="of the sheet folder the lock was made from")
    answers: dict[str, Form] = Field(description="answer name -> the form of the reference's value")
    functions: dict[str, list[VisibleProbe]] = Field(description="function name -> its visible probes")
    models: list[str] = Field(default_factory=list, description="names that must be trained models")
    manual: list[ManualPoint] = Field(default_factory=list, description="points a TA scores by hand")
    executor: str
    limits: Limits


def public_lock(sheet: Sheet, lock: SheetLock) -> PublicLock:
    """The public part of ``lock`` (made from ``sheet``)."""
    answers, _ = lock.decoded()
    return PublicLock(
        sheet=sheet.id, title=sheet.spec.title, sheet_hash=lock.sheet_hash,
        answers={name: form_of(value) for name, value in answers.items()},
        functions={name: [VisibleProbe(args=p.args, label=p.label) for p in check.probes]
                   for name, check in sheet.spec.functions().items()},
        models=[m.answer for m in sheet.spec.models()],
        manual=[ManualPoint(task=t.id, answer=c.answer) for t, c in sheet.spec.checks()
                if isinstance(c, ManualCheck)],
        executor=sheet.spec.executor, limits=sheet.spec.limits)


def render(public: PublicLock) -> str:
    return json.dumps(public.model_dump(mode="json", exclude_none=True), indent=1, sort_keys=True) + "\n"


def write_public_lock(sheet: Sheet, lock: SheetLock, output: Path) -> PublicLock:
    """Write the public lock of ``lock`` to ``output``, which must lie outside the sheet and reference
    folders: the lock holds their hashes, so a file added there (or over the lock itself) would
    leave grading with a stale or public lock."""
    target = output.resolve()
    for what, folder in (("sheet", sheet.folder), ("reference", sheet.reference_dir)):
        if target == folder.resolve() or folder.resolve() in target.parents:
            raise SheetError(f"-o {output} is inside the {what} folder {folder}: it would change the "
                             f"folder the lock was made from (or replace the lock); write it elsewhere")
    if output.is_dir():
        raise SheetError(f"-o {output} is a folder: give the file to write, "
                         f"e.g. {output / (sheet.id + '.public.json')}")
    public = public_lock(sheet, lock)
    output.write_text(render(public), encoding="utf-8")
    return public


def read_public_lock(sheet: Sheet, path: Path) -> PublicLock:
    """A public lock for ``sheet`` from ``path``, which may also hold the sheet's full lock."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SheetError(f"{path}: not a lock file: {exc}") from None
    try:
        if isinstance(raw, dict) and raw.get("kind") == PUBLIC_KIND:
            public = PublicLock.model_validate(raw)
        else:
            public = public_lock(sheet, SheetLock.model_validate(raw))
    except (ValidationError, wire.WireError) as exc:
        raise SheetError(f"{path}: not a valid lock file: {exc}") from None
    if public.sheet != sheet.id:
        raise SheetError(f"{path} is the lock of {public.sheet!r}, not of {sheet.id!r}")
    return public


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
