import io
from pathlib import Path

from rich.console import Console

from grader.grade import BatchResult, BatchSummary
from grader.progress import BatchProgress, summary_table
from grader.report import RunInfo, ScoreReport


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
