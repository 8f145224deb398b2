"""Commands that grade: ``grade``, ``lock``, ``calibrate``, ``check-reference``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from grader.cli.app import Isolation, Mnist, Unsafe, app, errors, runner_for
from grader.grading.backends import REGISTRY as BACKENDS
from grader.grading.backends import Backend
from grader.grading.discover import check_paths, discover
from grader.report.textsafe import one_line
from grader.sandbox.process import Runner
from grader.sheet import Sheet, all_sheet_ids, load_sheet

if TYPE_CHECKING:  # imported by the command itself: its start-up is part of what a TA waits for
    from grader.grading.batch import BatchResult

Junit = Annotated[Path | None, typer.Option(
    help="also write the results as JUnit XML to this file (CI systems show it natively)")]


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
    junit: Junit = None,
) -> None:
    """Grade every submission in SUBMISSIONS; write OUT/<student>/ reports and OUT/gradebook.csv.

    Run again after a crash or Ctrl-C: only missing or changed submissions are graded."""
    _refuse_slips(backend, isolation, submissions, out)
    _refuse_junit(junit, submissions)
    with errors():
        spec = load_sheet(sheet).with_limits(memory_mib=memory_mib, cell_timeout_s=cell_timeout,
                                             total_timeout_s=total_timeout).with_data(mnist=mnist)
        runner = runner_for(spec, unsafe_no_sandbox, isolation == "container", (submissions, out))
        chosen = BACKENDS["dask" if scheduler else backend](workers, scheduler)
        result = _batch(spec, submissions, out, runner, chosen, force=force, quiet=quiet)
    reports = result.reports
    if overrides is not None:
        from grader.cli.reports import merged_overrides

        with errors():
            reports = merged_overrides(spec, sheet, out, overrides)
        typer.echo(f"Manual points from {overrides} merged into {len(reports)} reports.")
    if junit is not None:
        from grader.report.junit import render_reports

        _write_junit(junit, render_reports(reports, f"grader grade {spec.id}"))
    _closing_lines(result, out)


def _refuse_junit(path: Path | None, submissions: Path | None = None) -> None:
    from grader.report.junit import path_problem

    problem = path_problem(path, submissions) if path is not None else None
    if problem is not None:
        typer.secho(f"error: {problem}", fg="red", err=True)
        raise typer.Exit(2)


def _write_junit(path: Path, text: str) -> None:
    from grader.report.writers.atomic import write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text)
    except OSError as exc:  # a path that changed during the run (checked before it)
        typer.secho(f"error: cannot write --junit {path}: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"JUnit XML: {path}")


def _refuse_slips(backend: str, isolation: str, submissions: Path, out: Path) -> None:
    if backend not in BACKENDS or isolation not in ("sandbox", "container"):
        typer.secho(f"error: --backend is one of {sorted(BACKENDS)}, --isolation sandbox or container",
                    fg="red", err=True)
        raise typer.Exit(2)
    with errors():
        check_paths(submissions, out)


def _batch(spec: Sheet, submissions: Path, out: Path, runner: Runner, backend: Backend, *, force: bool,
           quiet: bool) -> BatchResult:
    """The batch with a progress display; the first sandbox loads while the grading code does."""
    found = discover(submissions)
    if backend.in_process(len(found)):
        runner.warm_up(spec.spec.executor)
    try:
        from grader.cli.progress import BatchProgress, summary_table
        from grader.grading.batch import BatchSummary, grade_batch

        if not quiet:
            typer.echo(f"Grading {spec.id} from {submissions} (isolation: {runner.isolation})")
        with BatchProgress(quiet) as progress:
            result = grade_batch(spec, submissions, out, runner, backend=backend, force=force, subs=found,
                                 on_report=progress.on_report, on_plan=progress.on_plan,
                                 on_warning=progress.on_warning)
    finally:
        runner.close()
    progress.console.print(summary_table(BatchSummary.of(result)))
    return result


def _closing_lines(result: BatchResult, out: Path) -> None:
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
         public: Annotated[bool, typer.Option(
             "--public", help="write the public lock students check against (needs -o), from the "
             "existing fresh lock: answer names, types, shapes, visible probe inputs, no expected value")]
         = False,
         output: Annotated[Path | None, typer.Option("--output", "-o", help="--public: the file to write")]
         = None,
         mnist: Mnist = None, unsafe_no_sandbox: Unsafe = False) -> None:
    """Run the reference solution and write the sheet's expected-answers lock file.

    With --public -o FILE: write, from the existing lock, the public lock students run
    `grader check` against (no expected value, no probe output, no hidden probe)."""
    from grader.grading.reference import lock_sheet
    from grader.sheet.datasets import identity
    from grader.sheet.lock import calibration_problems

    if public or output is not None:
        _public_lock(sheet, output)
        return
    with errors():
        spec = load_sheet(sheet).with_data(mnist=mnist)
        result = lock_sheet(spec, runner_for(spec, unsafe_no_sandbox))
        typer.echo(f"{spec.lock_path}: {len(result.answers)} answers, "
                   f"{sum(map(len, result.probe_outputs.values()))} probe outputs")
        missing = calibration_problems(spec, result, identity(spec))
        for problem in missing:
            typer.secho(f"note: {problem}", fg="yellow")


def _public_lock(sheet: str, output: Path | None) -> None:
    from grader.sheet.lock import require_fresh_lock
    from grader.sheet.public_lock import write_public_lock

    if output is None:
        typer.secho("error: --public needs -o FILE (the file to hand to students)", fg="red", err=True)
        raise typer.Exit(2)
    with errors():
        spec = load_sheet(sheet)
        reduced = write_public_lock(spec, require_fresh_lock(spec), output)
    typer.echo(f"{output}: public lock of {spec.id}: {len(reduced.answers)} answers, "
               f"{len(reduced.functions)} functions, {len(reduced.manual)} manual points; no expected values"
               + (f"; hand out with it the data files copied beside it: {', '.join(reduced.plan.data)}"
                  if reduced.plan.data else ""))


@app.command()
def calibrate(sheet: Annotated[str, typer.Argument(help="sheet id or folder")],
              runs: Annotated[int | None, typer.Option(min=2, help="reference runs (default: the sheet's)")]
              = None,
              mnist: Mnist = None, unsafe_no_sandbox: Unsafe = False) -> None:
    """Run the reference with seeds 0..runs-1 and store accepted ranges (and the lock) per dataset."""
    from grader.grading.reference import calibrate_sheet
    from grader.sheet.datasets import identity

    with errors():
        spec = load_sheet(sheet).with_data(mnist=mnist)
        typer.echo(f"Calibrating {spec.id} on {identity(spec)}")

        def show(seed: int, measured: dict[str, float]) -> None:
            typer.echo(f"  seed {seed}: " + ", ".join(f"{k} = {v:.4g}" for k, v in measured.items()))

        result = calibrate_sheet(spec, runner_for(spec, unsafe_no_sandbox), runs, on_run=show)
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
    junit: Junit = None,
) -> None:
    """Fail unless each reference earns every auto-graded point and its lock is fresh."""
    from grader.grading.reference import check_reference
    from grader.report.junit import Suite, render
    from grader.report.writers.feedback_md import pts

    if (sheet is None) == (not all_sheets):
        typer.secho("error: give one SHEET or --all", fg="red", err=True)
        raise typer.Exit(2)
    _refuse_junit(junit)
    suites: list[Suite] = []
    with errors():
        for sheet_id in all_sheet_ids() if all_sheets else [str(sheet)]:
            spec = load_sheet(sheet_id).with_data(mnist=mnist)
            result = check_reference(spec, runner_for(spec, unsafe_no_sandbox))
            score = f"{pts(result.report.score)} / {pts(result.report.max_score)}" if result.report else "-"
            typer.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.sheet}: {score}")
            for problem in result.problems:
                typer.echo(f"     - {problem}")
            suites.append(Suite(f"{result.sheet}/reference", result.report, result.problems))
    if junit is not None:
        _write_junit(junit, render(suites, "grader check-reference"))
    if any(s.problems for s in suites):
        raise typer.Exit(1)
