import io
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from grader.cli import app
from grader.cli.progress import BatchProgress, summary_table
from grader.grading.batch import BatchResult, BatchSummary
from grader.report import CheckDetails, CheckResult, RunInfo, ScoreReport, TaskResult


def report(student, status, score):
    return ScoreReport(student=student, sheet="s", score=score, max_score=10, tasks=[],
                       run=RunInfo(status=status))


def test_summary_counts_failures_timeouts_and_mean():
    reports = [report("a", "completed", 8), report("b", "timeout", 0), report("c", "crashed", 1)]
    result = BatchResult(out=Path("."), reports=reports, graded=["a", "b"], resumed=["c"],
                         gradebook=Path("g.csv"))
    summary = BatchSummary.of(result)
    assert (summary.graded, summary.resumed, summary.failed_to_run, summary.timed_out) == (2, 1, ["c"], ["b"])
    assert summary.mean_score == 3
    text = io.StringIO()
    Console(file=text, width=80).print(summary_table(summary))
    assert "3 / 10" in text.getvalue() and "c" in text.getvalue()


def test_plain_lines_when_not_a_terminal_and_nothing_when_quiet():
    for quiet, expected in ((False, "a "), (True, "")):
        text = io.StringIO()
        with BatchProgress(quiet, Console(file=text)) as progress:
            progress.on_plan(1, 0)
            progress.on_report(report("a", "crashed", 0))
        assert (expected in text.getvalue()) and (quiet or "[crashed]" in text.getvalue())


HOSTILE = "eve\x1b]0;pwned\x07\x1b[2J[bold red]x[/]\u202e"


def test_student_ids_reach_the_terminal_as_plain_text():
    text = io.StringIO()
    terminal = Console(file=text, force_terminal=True, width=200)
    with BatchProgress(False, terminal) as progress:
        progress.on_plan(1, 0)
        progress.on_report(report(HOSTILE, "crashed", 0))
    result = BatchResult(out=Path("."), reports=[report(HOSTILE, "timeout", 0)], graded=[HOSTILE],
                         resumed=[], gradebook=Path("g.csv"))
    terminal.print(summary_table(BatchSummary.of(result)))
    shown = text.getvalue()
    assert shown.count("eve[bold red]x[/]") == 2  # the line and the table: markup shown, not applied
    assert "pwned" not in shown and "\x1b]" not in shown and "\x1b[2J" not in shown and "\u202e" not in shown


def test_show_prints_a_hostile_report_inertly(tmp_path):
    check = CheckResult(answer="z", kind="value", status="failed", score=0, max_score=1,
                        message=f"`z`: got {HOSTILE}", details=CheckDetails(got=HOSTILE, expected="1"))
    hostile = ScoreReport(student=HOSTILE, sheet="s", score=0, max_score=1,
                          tasks=[TaskResult(id="1", score=0, max_score=1, checks=[check])],
                          run=RunInfo(status="crashed", message=HOSTILE, stderr=f"out\n{HOSTILE}\n"))
    (tmp_path / "report.json").write_text(hostile.model_dump_json())
    result = CliRunner().invoke(app, ["show", str(tmp_path)], env={"COLUMNS": "200", "TERM": "xterm"})
    assert result.exit_code == 0, result.output
    assert "[bold red]x[/]" in result.output  # shown as typed
    assert "pwned" not in result.output and "\x1b]" not in result.output and "\x1b[2J" not in result.output
    assert "\u202e" not in result.output
