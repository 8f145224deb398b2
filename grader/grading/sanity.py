"""Is this the right sheet for these submissions? Two cheap looks for the TA, around a batch.

Grading a folder against the wrong sheet gives every student 0 without a word. Before the batch,
:func:`before_batch` reads the submissions' source text (bounded; zips are skipped) and counts
which known sheet's answer names they define (``name =`` or ``def name(``). After it,
:func:`after_batch` notices when no report has any answer that was defined at all. Both return
sentences for the TA, never a refusal: a sheet may well be right for an unusual class.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from grader.grading.discover import Submission
from grader.report import ScoreReport
from grader.sheet import Sheet, SheetError, all_sheet_ids, load_sheet

MAX_BYTES = 2_000_000  # per file: answers are defined in the source, not in megabytes of outputs
_MAX_FILES = 20  # per submission folder
_DEFINED = re.compile(r"^[ \t]*(?:def[ \t]+(\w+)[ \t]*\(|\(?((?:\w+[ \t]*,[ \t]*)*\w+)[ \t]*\)?"
                      r"[ \t]*(?::[^=\n]*)?=(?!=))", re.MULTILINE)
_MISSING = "after running your submission"  # in every 'not defined' message (Context.missing)


def answer_names(sheet: Sheet) -> set[str]:
    """The names a submission of this sheet defines (manual points and plot ids are not names)."""
    return {c.answer for _, c in sheet.spec.checks() if c.kind != "manual" and c.answer.isidentifier()}


def defined_names(text: str) -> set[str]:
    """Identifiers assigned (``a, b = …``, ``x: float = …``) or defined (``def f(``) in source."""
    found: set[str] = set()
    for match in _DEFINED.finditer(text):
        found.update(n.strip() for n in (match.group(1) or match.group(2)).split(","))
    return found


def _read(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(MAX_BYTES).decode("utf-8", errors="replace")


def _notebook_source(raw: str) -> str:
    """The code cells' source; a notebook cut at MAX_BYTES is read line by line from its JSON."""
    try:
        cells = json.loads(raw).get("cells", [])
        return "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    except (ValueError, AttributeError, TypeError, RecursionError):
        lines = re.split(r"\\n|\n", raw)  # '    "h = 1\n",' -> 'h = 1'
        return "\n".join(line.strip().lstrip('"') for line in lines)


def _sources(path: Path, kind: str | None) -> Iterator[str]:
    files = sorted(path.rglob("*"))[:_MAX_FILES * 10] if kind == "folder" else [path]
    code = [f for f in files if f.is_file() and f.suffix.lower() in (".py", ".ipynb")][:_MAX_FILES]
    for f in code:
        try:
            raw = _read(f)
        except OSError:
            continue
        yield _notebook_source(raw) if f.suffix.lower() == ".ipynb" else raw


def _known(sheet: Sheet) -> dict[str, set[str]]:
    names = {sheet.id: answer_names(sheet)}
    for sid in all_sheet_ids():
        if sid not in names:
            try:
                names[sid] = answer_names(load_sheet(sid))
            except SheetError:  # a broken sheet elsewhere is not this batch's business
                continue
    return names


def _shown(names: Sequence[str], n: int = 3) -> str:
    return ", ".join(names[:n]) + (" …" if len(names) > n else "")


def before_batch(sheet: Sheet, subs: Sequence[Submission]) -> list[str]:
    """Warnings when the submissions look written for another sheet (or for none of them)."""
    try:
        read = [list(_sources(s.path, s.kind)) for s in subs if s.kind in ("folder", "notebook", "script")]
    except OSError:
        return []  # an unreadable folder is reported by the batch itself
    found = [set().union(*map(defined_names, texts)) for texts in read if texts]  # only what was read
    if not found:
        return []
    known = _known(sheet)
    own = known[sheet.id]
    if not any(defined & own for defined in found):
        return [f"none of the {len(found)} submissions read defines any answer of {sheet.id} "
                f"({_shown(sorted(own))}): is this the right sheet?", *_other_sheet(sheet.id, known, found)]
    return _other_sheet(sheet.id, known, found)


def _better_fit(own_id: str, known: dict[str, set[str]], defined: set[str]) -> str | None:
    """The other sheet this submission defines the most answers of, if more than of this one."""
    hits, sid = max((len(defined & names), sid) for sid, names in known.items() if sid != own_id)
    return sid if hits > len(defined & known[own_id]) else None


def _other_sheet(own_id: str, known: dict[str, set[str]], found: list[set[str]]) -> list[str]:
    """A warning when most submissions define more answers of one other sheet than of this one."""
    if len(known) < 2:
        return []
    better = Counter(sid for defined in found if (sid := _better_fit(own_id, known, defined)))
    if not better or 2 * better.most_common(1)[0][1] <= len(found):
        return []
    other, count = better.most_common(1)[0]
    common = Counter(n for defined in found for n in defined & known[other] - known[own_id])
    names = sorted(common, key=lambda n: (-common[n], n))  # most common first, ties by name
    return [f"most submissions ({count} of {len(found)}) define answers of {other} ({_shown(names)}), "
            f"not of {own_id}: is this the right sheet?"]


def after_batch(sheet: Sheet, reports: Sequence[ScoreReport]) -> list[str]:
    """A warning when no submission defined any of the sheet's answers: the wrong sheet, or
    nothing ran (all 0, exit 0, and nobody told)."""
    if not reports or any(_defined_any(r) for r in reports):
        return []
    ran = sum(r.run.ran_to_end for r in reports)
    return [f"no submission defined any answer of {sheet.id} ({_shown(sorted(answer_names(sheet)))}); "
            f"{ran} of {len(reports)} ran to the end: is this the right sheet?"]


def _defined_any(report: ScoreReport) -> bool:
    return any(c.status in ("passed", "failed") or (c.status == "error" and _MISSING not in c.message)
               for task in report.tasks for c in task.checks)
