"""Where a reference was expected to define an answer it did not: for ``grader lock``'s message.

For each name the sheet reads but the reference's run did not give, the reference notebook is
searched: the first code cell that mentions the name (it is there, but not defined at top level:
local to a function, misspelt where assigned, or after the cell raised), else the Markdown cell
whose heading names the check's task (the answer belongs below it); and the names the reference
does assign at top level (other than the sheet's own answers) are offered as "did you mean". A
script reference is searched as one cell, "the script".
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.authoring.suggest import did_you_mean
from grader.sandbox.job import RunResult
from grader.sheet import Sheet
from grader.sheet.kinds import FunctionCheck
from grader.sheet.spec import Task, student_derivations

SCRIPT = 0  # the number of a script reference's only "cell"
_ASSIGNED = re.compile(r"^(?:def\s+([A-Za-z_]\w*)|([A-Za-z_][\w, ]*?)\s*=[^=])", re.MULTILINE)


def missing_names(sheet: Sheet, run: RunResult) -> dict[str, Task]:
    """Names the sheet reads that the run did not define, each with the first task that reads it."""
    missing: dict[str, Task] = {}
    for task, check in sheet.spec.checks():
        if isinstance(check, FunctionCheck):
            names = [check.answer] if check.answer not in run.probes else []
        elif check.kind == "model":
            names = [check.answer] if check.answer not in run.predictions else []
        else:
            read = [check.answer] if check.answer in sheet.spec.answer_names() else []
            read += [a for d in student_derivations(check) for a in d.args]
            names = [n for n in read if n not in run.answers]
        for name in names:
            missing.setdefault(name, task)
    return missing


def where_expected(sheet: Sheet, run: RunResult, main: Path | None) -> list[str]:
    """One line per missing name: the cell where the reference (``main``: its notebook or script)
    was expected to define it."""
    cells = _cells(main)
    # a name the sheet reads itself is no misspelling of another ('sigmoid' for 'dsigmoid')
    read = {*sheet.spec.answer_names(), *(check.answer for _, check in sheet.spec.checks())}
    assigned = [n for _, kind, src in cells if kind == "code" for n in _assigned(src) if n not in read]
    script = bool(cells) and cells[0][0] == SCRIPT
    raised = {SCRIPT if script else e.index + 1 for e in run.cell_errors}
    lines = []
    for name, task in missing_names(sheet, run).items():
        lines.append(f"{name!r} (task {task.id}): {_cell_for(name, task, cells, raised)}"
                     + did_you_mean(name, assigned))
    return lines


def _cell_for(name: str, task: Task, cells: list[tuple[int, str, str]], raised: set[int]) -> str:
    word = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    used = next((n for n, kind, src in cells if kind == "code" and word.search(src)), None)
    where = "the script" if used == SCRIPT else f"cell {used}"
    if used in raised and name in _assigned(dict((n, src) for n, _, src in cells)[used]):
        return f"{where} assigns it but raised before"
    if used is not None:
        return f"{where} mentions it but does not define it at top level"
    if cells and cells[0][0] == SCRIPT:
        return "the script does not mention it"
    heading = _task_heading(task)
    for n, kind, src in cells:
        title = next((t for t in src.splitlines() if t.startswith("#") and heading.search(t)), None)
        if kind == "markdown" and title:
            return f"expected below cell {n} ({title.strip()!r}); no cell mentions it"
    return f"no cell mentions it, and no heading names task {task.id}"


def _task_heading(task: Task) -> re.Pattern[str]:
    options = [re.escape(task.id)] + ([re.escape(task.title)] if task.title else [])
    return re.compile(rf"(?<![\w.])(?:{'|'.join(options)})(?![\w]|\.\w)", re.IGNORECASE)


def _assigned(source: str) -> list[str]:
    names = []
    for match in _ASSIGNED.finditer(source):
        names += [match[1]] if match[1] else [t.strip() for t in match[2].split(",") if t.strip()]
    return names


def _cells(main: Path | None) -> list[tuple[int, str, str]]:
    """(1-based number, type, source) of the reference notebook's cells; a script is one code cell
    numbered :data:`SCRIPT` ([] for none or unreadable)."""
    if main is None:
        return []
    import nbformat

    try:
        text = main.read_text(encoding="utf-8")
        if main.suffix == ".py":
            return [(SCRIPT, "code", text)]
        nb = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError):
        return []
    return [(n, c.cell_type, c.source) for n, c in enumerate(nb.cells, 1)]
