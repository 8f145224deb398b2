"""``gradescope.json``: the report in Gradescope's autograder ``results.json`` format.

Schema as Gradescope documents it (top level ``score``, ``execution_time``, ``output``,
``output_format``, ``visibility``, ``stdout_visibility``, ``tests`` with ``name``, ``number``,
``score``, ``max_score``, ``status``, ``output``, ``output_format``, ``visibility``), written
here as a frozen model so that what we emit is validated. Pending manual points are not tests:
Gradescope grades them as its own manual questions, and the output says so.

Every output is ``text``, Gradescope's default format: shown as plain text (test outputs in a
``<pre>``), never read as Markdown or HTML, so what a student wrote cannot become a link, an
image or a script there; control characters and bidi overrides are removed as well.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from grader.frozen import Frozen
from grader.report import CheckResult, ScoreReport
from grader.report.textsafe import one_line, plain
from grader.report.writers.feedback_md import MARKS, pts, run_line

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
Format = Literal["text", "html", "simple_format", "md", "ansi"]


class GradescopeTest(Frozen):
    name: str
    number: str
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    output: str
    output_format: Format = "text"
    visibility: Visibility = "visible"


class GradescopeResults(Frozen):
    score: float
    execution_time: int = Field(description="seconds")
    output: str
    output_format: Format = "text"
    visibility: Visibility = "visible"
    stdout_visibility: Visibility = "hidden"
    tests: list[GradescopeTest]


def _test(task_id: str, number: int, check: CheckResult) -> GradescopeTest:
    return GradescopeTest(name=f"{task_id}: {check.answer} ({check.kind})", number=f"{task_id}.{number}",
                          score=check.score, max_score=check.max_score,
                          status="passed" if check.status == "passed" else "failed",
                          output=plain(f"{MARKS[check.status]}: {check.message}"))


def results(report: ScoreReport) -> GradescopeResults:
    tests = [_test(t.id, i, c) for t in report.tasks for i, c in enumerate(t.checks, 1)
             if c.status != "pending"]  # a TA's scored manual points are tests too
    pending = report.pending_points
    note = f" {pts(pending)} manual points are graded separately." if pending else ""
    return GradescopeResults(score=round(sum(t.score for t in tests), 6),
                             execution_time=round(report.run.duration_s),
                             output=one_line(run_line(report.run)) + note, tests=tests)


def render(report: ScoreReport) -> str:
    return results(report).model_dump_json(indent=2) + "\n"
