"""Commands that write sheets: ``new`` (a scaffold) and ``assign`` (the students' handout)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.app import Unsafe, app, errors, runner_for
from grader.sheet import load_sheet


@app.command()
def new(sheet_id: Annotated[str, typer.Argument(help="the new sheet's id, e.g. softmax-ce")],
        root: Annotated[Path | None, typer.Option(
            help="the course repository (default: where ids are looked up first: the folder holding "
                 "--sheets DIR when it is named sheets/, else the nearest sheets/ from here upward, "
                 "else here)")] = None) -> None:
    """Create sheets/ID/ (sheet.yaml, derive.py), reference/ID/solution.ipynb and submissions_example/ID/."""
    from grader.authoring.scaffold import course_root, new_sheet

    with errors():
        made = new_sheet(sheet_id, root if root is not None else course_root(Path.cwd()))
    for path in made.written:
        typer.echo(f"wrote {path}")
    if made.shadowed_by is not None:
        typer.secho(f"note: from here, `grader lock {sheet_id}` finds {made.shadowed_by} first; "
                    f"pass the folder instead: grader lock {made.sheet_dir}", fg="yellow")
    typer.echo(f"Next: edit them, then `grader lock {sheet_id}`, `grader assign {sheet_id} -o handout/` "
               f"and `grader check-reference {sheet_id}`.")


@app.command()
def assign(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
           out: Annotated[Path, typer.Option("--out", "-o", help="folder for the students' notebook")],
           unsafe_no_sandbox: Unsafe = False) -> None:
    """Write the students' notebook: the reference without its solutions, verified in the sandbox
    (it must run, and earn no automatic point)."""
    from grader.authoring.assign import assign as make_handout

    with errors():
        spec = load_sheet(sheet)
        made = make_handout(spec, out, runner_for(spec, unsafe_no_sandbox, private=(out,)))
    typer.echo(f"wrote {made.path}: {len(made.handout.emptied)} cells emptied or cut, "
               f"{made.handout.dropped} hidden cells dropped; it runs and earns no automatic point "
               f"({made.report.run.isolation})")
