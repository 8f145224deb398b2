"""Commands on what a batch wrote: ``review``, ``apply-overrides``, ``gradescope-bundle``, ``show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.cli.app import app, errors
from grader.report import ScoreReport
from grader.report.textsafe import plain
from grader.sheet import Sheet, load_sheet


@app.command()
def review(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
           out: Annotated[Path, typer.Argument(help="the folder `grader grade` wrote")],
           file: Annotated[Path | None, typer.Option(help="default: OUT/overrides.csv")] = None,
           force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False,
           anonymous: Annotated[bool, typer.Option(help="pseudonyms instead of student ids on the pages "
                                                    "(no id in them; their scores are saved with --serve)")]
           = False,
           serve: Annotated[bool, typer.Option(help="serve the pages on 127.0.0.1; a save merges into "
                                                    "OUT/overrides.csv")]
           = False,
           apply: Annotated[bool, typer.Option(help="with --serve: apply each save to the reports")] = False,
           host: Annotated[str, typer.Option(help="with --serve: a loopback address")] = "127.0.0.1",
           port: Annotated[int, typer.Option(help="with --serve: 0 picks a free port")] = 0) -> None:
    """Write the manual-points template (one row per student and manual point, to fill in) and the
    review pages, OUT/review/<point>.html: every student's answer to a point beside its rubric."""
    from grader.report.overrides import review_template
    from grader.report.review.pages import write_review

    if apply and not serve:  # nothing would be applied: saying so beats ignoring it
        raise typer.BadParameter("--apply applies the saves of --serve; without it use "
                                 "`grader apply-overrides`", param_hint="--apply")
    with errors():
        spec = load_sheet(sheet)
        target = file or out / "overrides.csv"
        if force or not target.exists():  # never overwrite points unless told to
            text = review_template(spec, out)
            target.write_text(text, encoding="utf-8")
            typer.echo(f"{target}: {text.count(chr(10)) - 1} manual points to score")
        else:
            typer.echo(f"{target}: kept (it may hold your points; --force overwrites it)")
        views = write_review(spec, out, anonymous)
    if not views:
        typer.echo(f"{sheet} has no manual points: nothing to review")
        return
    done, total = sum(v.scored for v in views), sum(len(v.answers) for v in views)
    typer.echo(f"{out / 'review' / 'index.html'}: {len(views)} manual points, {done} of {total} scored; "
               f"then `grader apply-overrides {sheet} {out} {target}`")
    if anonymous and not serve:  # the CSV would name the students the pages hide
        typer.echo("anonymous pages save nothing by themselves: --serve saves their scores")
    if serve:
        _serve(spec, out, anonymous, apply, host, port)


def _serve(spec: Sheet, out: Path, anonymous: bool, apply: bool, host: str, port: int) -> None:
    from grader.report.review.serve import ReviewSite, review_server

    try:
        server, url = review_server(ReviewSite(spec, out, anonymous, apply), host, port)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--host") from None
    typer.echo(f"serving the review pages (Ctrl-C stops): {url}")
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            typer.echo("stopped")


@app.command("apply-overrides")
def apply_overrides_cmd(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
                        out: Annotated[Path, typer.Argument(help="the folder `grader grade` wrote")],
                        file: Annotated[Path, typer.Argument(help="the filled overrides CSV")]) -> None:
    """Merge a TA's manual points and comments into every report and the gradebook (no re-run).
    A row scored for another answer than the report's (its ``answer`` column) is not applied: told."""
    with errors():
        reports = merged_overrides(load_sheet(sheet), sheet, out, file)
    pending = sum(r.pending_points > 0 for r in reports)
    typer.echo(f"merged into {len(reports)} reports; {pending} still have manual points pending")


def merged_overrides(spec: Sheet, sheet: str, out: Path, file: Path) -> list[ScoreReport]:
    """The CSV merged into OUT; each row left out because its answer changed since is told."""
    from grader.report.overrides import applied_overrides

    applied = applied_overrides(spec, out, file)
    for o in applied.changed:
        typer.echo(plain(f"not applied: {o.student} {o.task} {o.point}: the answer changed since it was "
                         f"scored (score it again: grader review {sheet} {out})"))
    return applied.reports


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
