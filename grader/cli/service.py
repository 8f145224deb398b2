"""The service's commands (``serve``, ``submit``, ``regrade``, ``roster …``, ``db …``): each parses
its options, calls grader.service and renders, like the rest of ``grader.cli``. Service modules
are imported inside the commands, so other commands do not pay for FastAPI and SQLAlchemy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.app import Unsafe, app, errors

Course = Annotated[Path, typer.Argument(help="the course folder (with course.yaml)")]
Db = Annotated[str | None, typer.Option(
    "--db", help="database URL, e.g. postgresql://user@host/db (default: SQLite in the state folder)")]
State = Annotated[Path | None, typer.Option(help="state folder (default: COURSE/state)")]

roster_app = typer.Typer(no_args_is_help=True, help="Students, their personal links, and TA tokens.")
db_app = typer.Typer(no_args_is_help=True, help="The service's database schema.")
app.add_typer(roster_app, name="roster")
app.add_typer(db_app, name="db")



@app.command()
def serve(course: Course, host: str = "127.0.0.1", port: int = 8000, db: Db = None, state: State = None,
          workers: Annotated[int, typer.Option(help="submissions graded at once")] = 2,
          unsafe_no_sandbox: Unsafe = False,
          secure_cookies: Annotated[bool, typer.Option(
              help="mark the session cookie Secure (when served behind HTTPS)")] = False,
          scheduler: Annotated[str | None, typer.Option(
              help="grade on a Dask cluster: tcp://HOST:PORT, or local:N processes")] = None) -> None:
    """Run the course's autograding service (API and OpenAPI docs at /docs) until Ctrl-C or SIGTERM."""
    from grader.service.server import open_checked
    from grader.service.server import serve as run

    with errors():
        svc = open_checked(course, db=db, state=state, workers=workers, unsafe=unsafe_no_sandbox,
                           scheduler=scheduler)
    typer.echo(f"Serving {svc.course.spec.title!r} on http://{host}:{port} (API docs: /docs); "
               f"sheets: {', '.join(svc.course.sheets)}")
    with errors():
        run(svc, host, port, secure_cookies=secure_cookies)

@app.command()
def submit(sheet: Annotated[str, typer.Argument(help="sheet id")],
           file: Annotated[Path, typer.Argument(help="your .ipynb, .py or .zip", exists=True,
                                                dir_okay=False)],
           server: Annotated[str, typer.Option(help="the course's service")] = "http://127.0.0.1:8000",
           token: Annotated[str, typer.Option(envvar="GRADER_TOKEN",
                                              help="your token (the end of your link)")] = "") -> None:
    """Submit FILE for SHEET, wait for the grading and print the feedback you may see now."""
    from grader.report.textsafe import plain
    from grader.service.client import SubmitError, feedback_text
    from grader.service.client import submit as send

    try:
        body = send(server, token, sheet, file)
    except SubmitError as exc:
        typer.secho(f"error: {plain(str(exc))}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(plain(feedback_text(body)))

@app.command()
def regrade(course: Course, sheet: Annotated[str, typer.Argument(help="sheet id")], db: Db = None,
            state: State = None, workers: int = 2, unsafe_no_sandbox: Unsafe = False) -> None:
    """Regrade SHEET's counted submissions (after `grader lock`); say who gained and who lost points."""
    from grader.service.admin import regrade_now
    from grader.service.server import open_checked

    with errors():
        result = regrade_now(open_checked(course, db=db, state=state, workers=workers,
                                          unsafe=unsafe_no_sandbox), sheet)
    for label, changes in (("gained", result.gained), ("lost", result.lost)):
        for c in changes:
            typer.echo(f"{label}: {c.student} {c.before:g} -> {c.after:g}")
    typer.echo(f"{len(result.gained)} gained, {len(result.lost)} lost, {result.unchanged} unchanged")

@roster_app.command("import")
def roster_import(course: Course, roster: Annotated[Path, typer.Argument(help="CSV: id,name,email")],
                  links: Annotated[Path | None, typer.Option(help="where the new links go")] = None,
                  base_url: Annotated[str, typer.Option(help="the address students open")]
                  = "http://127.0.0.1:8000", db: Db = None, state: State = None) -> None:
    """Add or update students; new ones get a personal link (in a CSV for you to mail)."""
    from grader.service.admin import database_url, fresh_links_path, import_roster

    with errors():
        url = database_url(course, db, state)
        target = links or fresh_links_path(state or course / "state")
        result = import_roster(course, roster, target, base_url, url)
    done = result.imported
    typer.echo(f"{len(done.added)} added, {len(done.updated)} updated; "
               f"{len(done.links)} new links in {result.links} (mail each student theirs; "
               "they are passwords)")

@roster_app.command("token")
def roster_token(course: Course, student: Annotated[str, typer.Argument(help="student id")],
                 new: Annotated[bool, typer.Option("--new", help="revoke the old link, issue a new one")]
                 = False, revoke: Annotated[bool, typer.Option(help="revoke the link only")] = False,
                 base_url: str = "http://127.0.0.1:8000", db: Db = None, state: State = None) -> None:
    """Show whether STUDENT has a working link; --new reissues it, --revoke ends it."""
    from grader.service.admin import database_url, student_token
    from grader.service.roster import link

    with errors():
        count, secret = student_token(database_url(course, db, state), student, new=new,
                                      revoke_only=revoke)
    if secret:
        typer.echo(f"{count} old link(s) revoked; new link: {link(base_url, secret)}")
    elif revoke:
        typer.echo(f"{count} link(s) revoked")
    else:
        typer.echo(f"{student} has {-count} working link(s); --new reissues")

@roster_app.command("ta")
def roster_ta(course: Course, name: Annotated[str, typer.Argument(help="the TA's name")],
              db: Db = None, state: State = None) -> None:
    """Issue a TA token (shown once): Authorization: Bearer TOKEN, or /login?token=TOKEN."""
    from grader.service.admin import database_url, ta_token

    with errors():
        typer.echo(ta_token(database_url(course, db, state), name))

@db_app.command("upgrade")
def db_upgrade(course: Course, db: Db = None, state: State = None) -> None:
    """Create or upgrade the database schema to the current version (Alembic)."""
    from grader.service.admin import database_url, upgrade_database

    with errors():
        typer.echo(f"{upgrade_database(database_url(course, db, state))}: schema up to date")
