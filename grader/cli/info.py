"""Commands that describe: ``doctor`` (what isolation this machine gives) and ``schema``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from grader.cli.app import app
from grader.report import ScoreReport
from grader.sandbox.doctor import diagnose
from grader.sheet import all_sheet_ids, load_sheet
from grader.sheet.spec import SheetSpec


@app.command()
def doctor() -> None:
    """Probe this machine: what isolation will grading get? Exit 1 when there is no sandbox."""
    diagnosis = diagnose()
    for probe in diagnosis.probes:
        typer.echo(f"{'ok ' if probe.ok else 'NO '} {probe.name:<16} {probe.detail}")
    typer.echo(f"isolation: {diagnosis.level}")
    for sheet_id in all_sheet_ids():
        missing = load_sheet(sheet_id).missing_modules()
        need = f"needs {', '.join(missing)}: install them" if missing else "has every module it needs"
        typer.echo(f"{'NO ' if missing else 'ok '} sheet {sheet_id:<13} {need}")
    if diagnosis.level == "none":
        raise typer.Exit(1)


def _course_schema() -> dict[str, object]:
    from grader.service.course import CourseSpec

    return CourseSpec.model_json_schema()


_SCHEMAS: dict[str, Callable[[], dict[str, object]]] = {
    "sheet": SheetSpec.model_json_schema,
    "report": ScoreReport.model_json_schema,
    "course": _course_schema,
}


@app.command()
def schema(what: Annotated[str, typer.Argument(help="sheet, report or course")] = "sheet") -> None:
    """Print the JSON Schema of sheet.yaml, report.json or course.yaml."""
    if what not in _SCHEMAS:
        typer.secho(f"error: schema is one of {sorted(_SCHEMAS)}", fg="red", err=True)
        raise typer.Exit(2)
    json.dump(_SCHEMAS[what](), sys.stdout, indent=2)
    typer.echo()
