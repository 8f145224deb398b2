"""Commands on what a batch wrote: ``review``, ``apply-overrides``, ``gradescope-bundle``, ``show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.app import app, errors
from grader.report import ScoreReport
from grader.report.textsafe import plain
from grader.sheet import SheetError, load_sheet


@app.command()
def review(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
           out: Annotated[Path, typer.Argument(help="the folder `grader grade` wrote")],
           file: Annotated[Path | None, typer.Option(help="default: OUT/overrides.csv")] = None,
           force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False) -> None:
    """Write the manual-points template: one row per student and manual point, to fill in."""
    from grader.report.overrides import review_template

    with errors():
        target = file or out / "overrides.csv"
        if target.exists() and not force:
            raise SheetError(f"{target} exists (it may hold your points); --force overwrites it")
        text = review_template(load_sheet(sheet), out)
        target.write_text(text, encoding="utf-8")
    rows = text.count("\n") - 1
    typer.echo(f"{target}: {rows} manual points to score; then "
               f"`grader apply-overrides {sheet} {out} {target}`")


@app.command("apply-overrides")
def apply_overrides_cmd(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
                        out: Annotated[Path, typer.Argument(help="the folder `grader grade` wrote")],
                        file: Annotated[Path, typer.Argument(help="the filled overrides CSV")]) -> None:
    """Merge a TA's manual points and comments into every report and the gradebook (no re-run)."""
    from grader.report.overrides import apply_overrides

    with errors():
        merged = apply_overrides(load_sheet(sheet), out, file)
    pending = sum(r.pending_points > 0 for r in merged)
    typer.echo(f"merged into {len(merged)} reports; {pending} still have manual points pending")


@app.command("gradescope-bundle")
def gradescope_bundle(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
                      out: Annotated[Path, typer.Option("--out", "-o", help="the zip to write")]
                      = Path("autograder.zip")) -> None:
    """Write the Gradescope autograder zip (setup.sh, run_autograder, grader, sheet, reference)."""
    from grader.grading.gradescope_bundle import write_bundle
    from grader.sheet.lock import require_fresh_lock

    with errors():
        spec = load_sheet(sheet)
        require_fresh_lock(spec)
        write_bundle(spec, out)
    typer.echo(f"{out}: upload it as the assignment's autograder (Ubuntu base image)")


@app.command()
def show(student: Annotated[Path, typer.Argument(help="OUT/<student> (or its report.json)")]) -> None:
    """Print one student's feedback in the terminal."""
    from rich.console import Console
    from rich.markdown import Markdown

    from grader.report.writers.feedback_md import render

    path = student / "report.json" if student.is_dir() else student
    with errors():
        report = ScoreReport.model_validate_json(path.read_text(encoding="utf-8"))
    # Markdown is never read as rich markup; plain() drops escape sequences a student slipped in.
    Console().print(Markdown(plain(render(report))))
