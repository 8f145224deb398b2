"""``feedback.md``: the per-point feedback a student reads."""

from __future__ import annotations

from grader.report import CheckResult, RunInfo, ScoreReport, TaskResult

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
    lines = [f"# Feedback: {report.sheet} — {report.student}", ""]
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


def run_line(run: RunInfo) -> str:
    """One sentence on the run: which file, how it ended, how long it took."""
    what = _RUN.get(run.status, run.status)
    line = f"Graded file: `{run.file}` — {what}" if run.file else f"The submission {what}"
    if run.duration_s and run.status != "invalid_submission":  # it never ran: no time to tell
        line += f" in {run.duration_s:.1f} s" if run.duration_s >= 0.1 else " in under 0.1 s"
    return line + (f": {run.message}" if run.message else "") + "."


def _run_summary(run: RunInfo) -> list[str]:
    lines = [run_line(run), ""]
    if run.cell_errors:
        cells = ", ".join(str(e.cell) for e in run.cell_errors[:10])
        lines += [f"Cells that raised an error or hit the time limit: {cells} (details at the end). "
                  "Later cells still ran.", ""]
    return lines


def _check(check: CheckResult) -> list[str]:
    score = f"{pts(check.score)} / {pts(check.max_score)}"
    head = f"- **{MARKS[check.status]}** `{check.answer}` ({score}): {check.message}"
    d = check.details
    extra = []
    if check.status == "failed":
        if d.got is not None:
            extra.append(f"  - got: `{_inline(d.got)}`")
        if d.expected is not None:
            extra.append(f"  - expected: `{_inline(d.expected)}`")
        if d.tolerance:
            extra.append(f"  - tolerance: {d.tolerance}")
    if d.credit_via:
        extra.append(f"  - credit via {d.credit_via}")
    return [head, *extra]


def _inline(text: str) -> str:
    return " ".join(text.split()).replace("`", "'")


def _run_log(run: RunInfo) -> list[str]:
    lines: list[str] = []
    for err in run.cell_errors:
        lines += ["", f"### Cell {err.cell}: {err.error}", ""]
        if err.traceback.strip():
            lines += ["```", err.traceback.strip()[-1500:], "```"]
    if run.stderr.strip() and not run.ran_to_end:
        lines += ["", "### Last output of the run", "", "```", run.stderr.strip()[-1500:], "```"]
    return (["", "## Run log", *lines]) if lines else []
