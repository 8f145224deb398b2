"""``grader submit``: upload a file to a course's service, wait for the report, return the feedback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx


class SubmitError(Exception):
    """The server refused or could not be reached; the message is the server's."""


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.is_success:
        body: dict[str, Any] = response.json()
        return body
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    retry = response.headers.get("retry-after")
    raise SubmitError(f"{response.status_code}: {detail}" + (f" (retry after {retry} s)" if retry else ""))


def submit(server: str, token: str, sheet: str, file: Path, timeout_s: float = 600.0,
           poll_s: float = 0.3) -> dict[str, Any]:
    """The Feedback body (submission and what the student may see) once the file is graded."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=server, headers=headers, timeout=60.0) as client, file.open("rb") as fh:
            accepted = _check(client.post(f"/api/sheets/{sheet}/submissions",
                                          files={"file": (file.name, fh)}))
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                status = _check(client.get(accepted["status_url"]))
                if status["status"] == "done":
                    return _check(client.get(accepted["report_url"]))
                time.sleep(poll_s)
    except httpx.HTTPError as exc:
        raise SubmitError(f"cannot reach {server}: {exc}") from None
    raise SubmitError(f"submission {accepted['id']} is accepted but not graded after {timeout_s:.0f} s; "
                      f"ask again later: {accepted['report_url']}")


def feedback_text(body: dict[str, Any]) -> str:
    """What the student may see, as Markdown: the whole feedback, or the part visibility allows."""
    from grader.service.library import STUDENT_WRITERS
    from grader.service.visibility import ShownReport

    shown = ShownReport.model_validate(body["feedback"])
    if shown.report is not None:
        return STUDENT_WRITERS["feedback.md"](shown.report)
    lines = [f"# {shown.sheet}: {shown.student}", "",
             f"Feedback shown now: {shown.visibility} (more after the deadline, as the course decides).", ""]
    if shown.score is not None:
        lines.append(f"Score: {shown.score:g} / {shown.max_score:g}")
    if shown.run is not None:
        lines.append(f"Run: {shown.run.status}" + (f": {shown.run.message}" if shown.run.message else ""))
        lines += [f"- cell {e.cell} raised {e.kind}: {e.error}" for e in shown.run.cell_errors]
    for c in shown.checks:
        verdict = f"{c.status} ({c.score:g} / {c.max_score:g})" if c.status and c.score is not None \
            and c.max_score is not None else ("problem" if c.problem else "checked")
        lines.append(f"- `{c.answer}` (task {c.task}): {verdict}" + (f": {c.problem}" if c.problem else ""))
    return "\n".join(lines) + "\n"
