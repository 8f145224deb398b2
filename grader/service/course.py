"""``course.yaml``: which sheets a course offers, when, how often, and what students see.

A course folder holds ``course.yaml`` and, by default, the service's ``state/`` folder (the
SQLite database, the stored uploads). These frozen models are its schema (``grader schema
course``); a broken file is refused with the field and the reason, as ``sheet.yaml`` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import AwareDatetime, Field, ValidationError, model_validator

from grader.frozen import Frozen
from grader.service.library import Sheet, SheetError, format_validation_error, load_sheet

Visibility = Literal["full", "correctness", "format", "none"]
VISIBILITY_HELP = ("full: the whole report; correctness: passed/failed and points per check, no "
                   "expected values or probe inputs; format: whether it ran, which answers are "
                   "missing or unusable, which cells raised; none: only that it was received")


class CourseError(SheetError):
    """``course.yaml``, the roster or the state folder is unusable: a course-staff error, which
    the CLI reports as it reports a broken sheet (one line, exit 2)."""


class Attempts(Frozen):
    max: int | None = Field(None, ge=1, description="submissions a student may make (none: unlimited)")
    min_interval: timedelta | None = Field(
        None, description="time between two submissions, ISO 8601 (PT10M) or seconds")


class LatePolicy(Frozen):
    policy: Literal["refuse", "flag", "penalty"] = Field(
        "refuse", description="refuse late submissions, accept and flag them, or accept with a penalty")
    penalty_per_day: float | None = Field(
        None, gt=0, le=1, description="fraction of the score lost per started day late (penalty only)")

    @model_validator(mode="after")
    def _penalty_given(self) -> LatePolicy:
        if (self.policy == "penalty") != (self.penalty_per_day is not None):
            raise ValueError("penalty_per_day is required with policy: penalty, and only then")
        return self


class Shown(Frozen):
    before_deadline: Visibility = Field("correctness", description=VISIBILITY_HELP)
    after_deadline: Visibility = Field("full", description=VISIBILITY_HELP)


class Offer(Frozen):
    """One sheet as the course offers it."""

    sheet: str = Field(description="a sheet id under sheets/, or a sheet folder relative to the course")
    opens: AwareDatetime | None = Field(None, description="ISO 8601 with a time zone")
    deadline: AwareDatetime | None = Field(None, description="ISO 8601 with a time zone")
    attempts: Attempts = Attempts()
    counts: Literal["last", "best"] = Field("last", description="which attempt goes to the gradebook")
    late: LatePolicy = LatePolicy()
    visibility: Shown = Shown()

    @model_validator(mode="after")
    def _ordered(self) -> Offer:
        if self.opens and self.deadline and self.deadline <= self.opens:
            raise ValueError("deadline must come after opens")
        return self

    def visibility_at(self, now: datetime) -> Visibility:
        past = self.deadline is not None and now >= self.deadline
        return self.visibility.after_deadline if past else self.visibility.before_deadline


class CourseSpec(Frozen):
    title: str
    sheets: list[Offer] = Field(min_length=1)
    max_upload_mib: float = Field(20, gt=0, description="largest upload accepted")


@dataclass(frozen=True)
class Course:
    spec: CourseSpec
    folder: Path
    sheets: dict[str, tuple[Offer, Sheet]]  # by sheet id

    @property
    def max_upload_bytes(self) -> int:
        return int(self.spec.max_upload_mib * 2**20)

    def offer(self, sheet_id: str) -> tuple[Offer, Sheet] | None:
        return self.sheets.get(sheet_id)


def load_course(folder: Path) -> Course:
    path = folder / "course.yaml"
    try:
        spec = CourseSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise CourseError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CourseError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise CourseError(f"{path}: {format_validation_error(exc)}") from None
    sheets: dict[str, tuple[Offer, Sheet]] = {}
    for i, offer in enumerate(spec.sheets):
        local = folder / offer.sheet
        try:
            sheet = load_sheet(local if (local / "sheet.yaml").is_file() else offer.sheet)
        except SheetError as exc:
            raise CourseError(f"{path}: sheets.{i}.sheet: {exc}") from None
        if sheet.id in sheets:
            raise CourseError(f"{path}: sheets.{i}.sheet: {sheet.id!r} is offered twice")
        sheets[sheet.id] = (offer, sheet)
    return Course(spec=spec, folder=folder.resolve(), sheets=sheets)
