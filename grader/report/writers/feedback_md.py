"""``feedback.md``: the per-point feedback a student reads."""

from __future__ import annotations

from collections.abc import Callable

from grader.report import CheckResult, RunInfo, ScoreReport, TaskResult
from grader.report.textsafe import md_block, md_code, md_message, md_text

MARKS = {"passed": "✔ passed", "failed": "✘ failed", "error": "⚠ error", "pending": "… pending"}
_RUN = {
    "completed": "ran to the end",
    "timeout": "stopped at the time limit",
    "crashed": "crashed",
    "kernel_died": "the kernel died",
    "invalid_submission": "could not be run",
    "harness_error": "answers could not be read",
    "malformed_result": "produced unreadable results",
}


def pts(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def render(report: ScoreReport) -> str:
    # Student text (names, messages, values, logs) goes through grader.report.textsafe: it is inert.
    lines = [f"# Feedback: {report.sheet} — {md_text(report.student)}", ""]
    pending = f" ({pts(report.pending_points)} more to be scored by a TA)" if report.pending_points else ""
    lines += [f"**Score: {pts(report.score)} / {pts(report.max_score)}**{pending}", ""]
    lines += _run_summary(report.run)
    if report.data:
        lines += [f"Data the training parts were graded on: {report.data}.", ""]
    lines += ["| Task | Score | Status |", "|---|---|---|"]
    lines += [f"| {t.id} {t.title} | {pts(t.score)} / {pts(t.max_score)} | {task_status(t)} |"
              for t in report.tasks]
    for task in report.tasks:
        lines += ["", f"## Task {task.id}: {task.title} — {pts(task.score)} / {pts(task.max_score)}", ""]
        lines += [line for check in task.checks for line in _check(check)]
    lines += _run_log(report.run)
    return "\n".join(lines).rstrip() + "\n"


def task_status(task: TaskResult) -> str:
    counts = {s: sum(c.status == s for c in task.checks) for s in MARKS}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n)


def _quoted(text: str) -> str:
    return f"`{text}`"


def _as_is(text: str) -> str:
    return text


def run_line(run: RunInfo, code: Callable[[str], str] = _quoted, text: Callable[[str], str] = _as_is) -> str:
    """One sentence on the run: which file, how it ended, how long it took.

    ``code`` renders the file name and ``text`` the run's message: as they are by default (for
    writers that escape on their own), or made inert for Markdown by ``feedback.md``."""
    what = _RUN.get(run.status, run.status)
    line = f"Graded file: {code(run.file)} — {what}" if run.file else f"The submission {what}"
    if run.duration_s and run.status != "invalid_submission":  # it never ran: no time to tell
        line += f" in {run.duration_s:.1f} s" if run.duration_s >= 0.1 else " in under 0.1 s"
    return line + (f": {text(run.message)}" if run.message else "") + "."


def _run_summary(run: RunInfo) -> list[str]:
    lines = [run_line(run, code=md_code, text=md_message), ""]
    if run.cell_errors:
        cells = ", ".join(str(e.cell) for e in run.cell_errors[:10])
        lines += [f"Cells that raised an error or hit the time limit: {cells} (details at the end). "
                  "Later cells still ran.", ""]
    return lines


def _check(check: CheckResult) -> list[str]:
    score = f"{pts(check.score)} / {pts(check.max_score)}"
    head = f"- **{MARKS[check.status]}** {md_code(check.answer)} ({score}): {md_message(check.message)}"
    d = check.details
    extra = []
    if check.status == "failed":
        if d.got is not None:
            extra.append(f"  - got: {md_code(d.got)}")
        if d.expected is not None:
            extra.append(f"  - expected: {md_code(d.expected)}")
        if d.tolerance:
            extra.append(f"  - tolerance: {md_message(d.tolerance)}")
    if d.credit_via:
        extra.append(f"  - credit via {md_message(d.credit_via)}")
    return [head, *extra]


def _run_log(run: RunInfo) -> list[str]:
    lines: list[str] = []
    for err in run.cell_errors:
        lines += ["", f"### Cell {err.cell}: {md_message(err.error)}", ""]
        if err.traceback.strip():
            lines += md_block(err.traceback.strip()[-1500:])
    if run.stderr.strip() and not run.ran_to_end:
        lines += ["", "### Last output of the run", "", *md_block(run.stderr.strip()[-1500:])]
    return (["", "## Run log", *lines]) if lines else []
