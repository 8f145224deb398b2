"""Everything the service takes from the grading library, in one place: the service is a second
face over the library (the CLI is the first), never a second grading path."""

from __future__ import annotations

from grader.grading.backends.child import GradingProcess
from grader.grading.backends.dask import DaskBackend  # Dask itself is imported only when it runs
from grader.grading.backends.worker import Plan, received
from grader.grading.batch import ready_lock
from grader.grading.discover import Submission
from grader.grading.submission import Graded, grade_submission
from grader.grading.unzip import UnsafeArchive, safe_extract
from grader.report import CellErrorInfo, CheckResult, ScoreReport
from grader.report.format_view import ShownCheck, ShownRun, format_view, report_rows, shown_run
from grader.report.located import answer_digest
from grader.report.overrides import Override, answer_of, applies, merge, overrides_of_text, overrides_text
from grader.report.overrides import decoded as decoded_overrides
from grader.report.review.form import Saving, form_rows, posted, refusal
from grader.report.review.pages import OVERRIDES as OVERRIDES_CSV
from grader.report.review.pages import PointView, views_of
from grader.report.review.points import Earlier
from grader.report.review.pseudonyms import pseudonym
from grader.report.review.render import located_html
from grader.report.textsafe import csv_cell, one_line
from grader.report.writers import BATCH_WRITERS, STUDENT_WRITERS
from grader.report.writers.batch import Batch
from grader.report.writers.feedback_html import render as feedback_html
from grader.report.writers.feedback_md import MARKS, pts
from grader.report.writers.gradebook_csv import number
from grader.report.writers.report_json import render as render_report_json
from grader.sandbox.doctor import Diagnosis, SandboxUnavailable, choose_runner, diagnose
from grader.sandbox.process import ProcessRunner, Runner
from grader.sandbox.scratch import remove_tree
from grader.sheet import Sheet, SheetError, format_validation_error, load_sheet
from grader.sheet.lock import SheetLock, staleness

__all__ = [
    "BATCH_WRITERS", "MARKS", "OVERRIDES_CSV", "STUDENT_WRITERS", "Batch", "CellErrorInfo", "CheckResult",
    "DaskBackend", "Diagnosis", "Earlier", "Graded", "GradingProcess", "Override", "Plan", "PointView",
    "ProcessRunner", "Runner", "SandboxUnavailable", "Saving", "ScoreReport", "Sheet", "SheetError",
    "SheetLock", "ShownCheck", "ShownRun", "Submission", "UnsafeArchive", "answer_digest", "answer_of",
    "applies", "choose_runner", "csv_cell", "decoded_overrides", "diagnose", "feedback_html", "form_rows",
    "format_validation_error", "format_view", "grade_submission", "load_sheet", "located_html", "merge",
    "number", "one_line", "overrides_of_text", "overrides_text", "posted", "pseudonym", "pts", "ready_lock",
    "received", "refusal", "remove_tree", "render_report_json", "report_rows", "safe_extract", "shown_run",
    "staleness", "views_of",
]
