"""``grader check``: a student checks a notebook before submitting it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.app import Mnist, app, errors


@app.command()
def check(lock_or_sheet: Annotated[str, typer.Argument(
              metavar="PUBLIC_LOCK|SHEET", help="the public lock your TA handed out (a .json file), or "
              "a sheet id or folder (TAs; its own lock unless --lock)")],
          notebook: Annotated[Path | None, typer.Argument(
              help="your notebook (or .py, folder, .zip)")] = None,
          lock: Annotated[Path | None, typer.Option(
              help="the public lock (then NOTEBOOK may come first and alone); with a SHEET, the "
                   "lock to use instead of the sheet's own")] = None,
          data: Annotated[Path | None, typer.Option(
              help="the folder of the data files handed out with the lock (default: beside it)")] = None,
          mnist: Mnist = None) -> None:
    """Run NOTEBOOK as grading would; say what is missing, of the wrong type or shape, or raised.

    `grader check PUBLIC_LOCK NOTEBOOK` (or `grader check NOTEBOOK --lock PUBLIC_LOCK`) needs no
    sheet folder. Never an expected value or a verdict on correctness. Exit 0: all there; 1:
    something to fix; 2: the notebook (or the lock) cannot be used."""
    from grader.grading import selfcheck

    if notebook is None and lock is None:
        typer.secho("error: give the notebook: grader check PUBLIC_LOCK NOTEBOOK", fg="red", err=True)
        raise typer.Exit(2)
    with errors():
        if notebook is None:  # grader check NOTEBOOK --lock PUBLIC_LOCK
            assert lock is not None
            handout, notebook = selfcheck.handout_from_lock(lock, data, mnist), Path(lock_or_sheet)
        else:
            handout = selfcheck.find_handout(lock_or_sheet, lock, data, mnist)
        sub = selfcheck.submission_at(notebook)
        with selfcheck.checking_runner(handout.public.limits) as runner:
            if "bubblewrap" not in runner.isolation:
                typer.secho(f"note: no bubblewrap sandbox on this machine ({runner.isolation}): your "
                            "notebook runs with resource limits only; grading runs it in the sandbox",
                            fg="yellow", err=True)
            result = selfcheck.self_check(handout, sub, runner)
    for line in selfcheck.text_lines(result):
        typer.echo(line)
    raise typer.Exit(0 if result.ok else 2 if result.view.run.status == "invalid_submission" else 1)
