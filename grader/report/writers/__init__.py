"""Writers: each turns reports into one file. Add a format with one module and one entry here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grader.report import ScoreReport
from grader.report.executed import ExecutedNotebook
from grader.report.writers import (
    feedback_html,
    feedback_md,
    gradebook_csv,
    gradescope,
    lms_csv,
    report_json,
    submission_html,
    summary,
)
from grader.report.writers.atomic import write_text
from grader.report.writers.batch import Batch

StudentWriter = Callable[[ScoreReport], str]
BatchWriter = Callable[[Batch], str]

# report.json goes last: its presence marks a finished student when a batch resumes.
STUDENT_WRITERS: dict[str, StudentWriter] = {
    "feedback.md": feedback_md.render,
    "feedback.html": feedback_html.render,
    "gradescope.json": gradescope.render,
    "report.json": report_json.render,
}
BATCH_WRITERS: dict[str, BatchWriter] = {
    "gradebook.csv": gradebook_csv.render,
    "lms.csv": lms_csv.render,
    "summary.json": summary.render_json,
    "summary.html": summary.render_html,
}


def write_student(report: ScoreReport, folder: Path, executed: ExecutedNotebook | None = None) -> None:
    """The student's files; ``submission.html`` too (first) when ``executed`` is given."""
    folder.mkdir(parents=True, exist_ok=True)
    if executed is not None:
        write_text(folder / "submission.html", _page(executed))
    for name, render in STUDENT_WRITERS.items():
        write_text(folder / name, render(report))


def _page(executed: ExecutedNotebook) -> str:
    """The submission as it ran; a page the grader cannot render (a bug) says so and costs the
    student nothing: their report is written all the same."""
    try:
        return submission_html.render(executed)
    except Exception as exc:
        return submission_html.unavailable(executed, exc)


def write_batch(batch: Batch, out: Path) -> Path:
    for name, render in BATCH_WRITERS.items():
        write_text(out / name, render(batch))
    return out / "gradebook.csv"
