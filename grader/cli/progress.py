"""How the CLI shows a batch going by: a progress bar on a terminal, plain lines otherwise.

Student ids reach the terminal only through :func:`grader.report.textsafe.one_line` and never as rich
markup: a submission's name cannot move the cursor, retitle the window or colour the screen."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from grader.grading.batch import BatchSummary
from grader.report import ScoreReport
from grader.report.textsafe import one_line
from grader.report.writers.feedback_md import pts


class BatchProgress:
    """Context manager with the two callbacks grade_batch takes (on_plan, on_report)."""

    def __init__(self, quiet: bool = False, console: Console | None = None) -> None:
        self.console = console or Console(file=sys.stdout)
        self.quiet, self.failures = quiet, 0
        self.bar = (Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[failures]} did not run to the end"),
                             TimeRemainingColumn(),
                             console=self.console, transient=True)
                    if self.console.is_terminal and not quiet else None)
        self.task: TaskID | None = None

    def __enter__(self) -> BatchProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.bar:
            self.bar.stop()

    def on_plan(self, to_grade: int, kept: int) -> None:
        if self.bar:
            self.task = self.bar.add_task("grading", total=to_grade, failures=0)

    def on_warning(self, warning: str) -> None:
        """Before the results: said even with --quiet (a wrong sheet costs the whole batch)."""
        text = Text(f"warning: {one_line(warning)}", style="yellow")
        (self.bar.console if self.bar else self.console).print(text, highlight=False)

    def on_report(self, report: ScoreReport) -> None:
        self.failures += not report.run.ran_to_end
        status = "" if report.run.ran_to_end else f"  [{report.run.status}]"
        line = f"  {one_line(report.student):<28} {pts(report.score):>6} / {pts(report.max_score)}{status}"
        if self.bar and self.task is not None:
            self.bar.console.print(line, highlight=False, markup=False)
            self.bar.update(self.task, advance=1, failures=self.failures)
        elif not self.quiet:
            self.console.print(line, highlight=False, markup=False)


def summary_table(summary: BatchSummary) -> Table:
    table = Table(title="Batch summary", show_header=False)
    rows = [("students", str(summary.students)), ("graded now", str(summary.graded)),
            ("kept (up to date)", str(summary.resumed)),
            ("failed to run", ", ".join(map(one_line, summary.failed_to_run)) or "none"),
            ("timed out", ", ".join(map(one_line, summary.timed_out)) or "none"),
            ("mean score", f"{pts(summary.mean_score)} / {pts(summary.max_score)}")]
    for key, value in rows:
        table.add_row(key, Text(value))  # Text: never read as markup
    return table
