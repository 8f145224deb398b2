"""``grader check``: a student checks a notebook before submitting it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.app import Mnist, app, errors
from grader.sheet import load_sheet


@app.command()
def check(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
          notebook: Annotated[Path, typer.Argument(help="your notebook (or .py, folder, .zip)")],
          lock: Annotated[Path | None, typer.Option(
              help="the public lock your TA handed out (default: the sheet's own lock)")] = None,
          mnist: Mnist = None) -> None:
    """Run NOTEBOOK as grading would; say what is missing, of the wrong type or shape, or raised.

    Never an expected value or a verdict on correctness. Exit 0: all there; 1: something to fix;
    2: the notebook (or the lock) cannot be used."""
    from grader.grading.selfcheck import checking_runner, self_check, submission_at, text_lines
    from grader.sheet.public_lock import read_public_lock

    with errors():
        spec = load_sheet(sheet).with_data(mnist=mnist)
        public = read_public_lock(spec, lock or spec.lock_path)
        sub = submission_at(notebook)
        with checking_runner(spec) as runner:
            if "bubblewrap" not in runner.isolation:
                typer.secho(f"note: no bubblewrap sandbox on this machine ({runner.isolation}): your "
                            "notebook runs with resource limits only; grading runs it in the sandbox",
                            fg="yellow", err=True)
            result = self_check(spec, public, sub, runner)
    for line in text_lines(result):
        typer.echo(line)
    raise typer.Exit(0 if result.ok else 2 if result.view.run.status == "invalid_submission" else 1)
