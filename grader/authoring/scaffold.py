"""``grader new SHEET_ID``: a new sheet's four places, ready for ``grader lock``.

``ROOT/sheets/ID/{sheet.yaml, derive.py}``, ``ROOT/reference/ID/solution.ipynb`` and
``ROOT/submissions_example/ID/``, where ROOT is the course repository: by default the one where
``grader`` looks ids up first (see :func:`course_root`). Nothing is ever overwritten.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import nbformat
from nbformat import v4

from grader.authoring import template
from grader.authoring.handout import KERNEL_METADATA, write_notebook
from grader.sheet import SHEETS_ENV, SheetError, resolve_sheet_dir
from grader.sheet.spec import SheetSpec

ID_PATTERN = SheetSpec.model_fields["id"].metadata[0].pattern
MAX_ID = 64
# names Windows cannot hold (with any extension), nor a name ending in a dot: a course repository,
# or the handout named after the id, is cloned and opened on Windows too
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?|.*\.")


@dataclass(frozen=True)
class Scaffold:
    sheet_dir: Path
    written: list[Path]
    shadowed_by: Path | None  # another sheet folder `grader lock ID` would find first


def course_root(start: Path) -> Path:
    """Where ids are looked up first (see :func:`grader.sheet.sheet_roots`): the course holding the
    first ``sheets/`` folder named by ``--sheets`` ($GRADER_SHEETS), else the folder holding the
    nearest ``sheets/`` from ``start`` upward, else ``start``."""
    named = [Path(p) for p in os.environ.get(SHEETS_ENV, "").split(os.pathsep) if p]
    start = start.resolve()
    found = [p.resolve().parent for p in named if p.name == "sheets" and p.is_dir()]
    found += [d for d in (start, *start.parents) if (d / "sheets").is_dir()]
    return found[0] if found else start


def new_sheet(sheet_id: str, root: Path) -> Scaffold:
    """Write the new sheet under ``root``; SheetError if the id is invalid or any target exists."""
    if not re.fullmatch(ID_PATTERN, sheet_id):
        raise SheetError(f"{sheet_id!r} is not a sheet id: lower-case letters, digits, '.', '_' and '-', "
                         "starting with a letter or digit")
    if len(sheet_id) > MAX_ID:  # the handout and public lock are named after it: room for a suffix
        raise SheetError(f"{sheet_id[:20]}… is {len(sheet_id)} characters long: a sheet id has at most "
                         f"{MAX_ID}")
    if _WINDOWS_RESERVED.fullmatch(sheet_id):
        raise SheetError(f"{sheet_id!r} cannot be a folder or file name on Windows (a reserved device "
                         "name, or a trailing dot): choose another id")
    root = root.resolve()
    sheet_dir = root / "sheets" / sheet_id
    targets = [sheet_dir, root / "reference" / sheet_id, root / "submissions_example" / sheet_id]
    existing = [str(p) for p in targets if p.exists()]
    if existing:
        raise SheetError(f"refusing to overwrite: {', '.join(existing)} already exist(s); "
                         "choose another id or remove them")
    files = {
        sheet_dir / "sheet.yaml": template.SHEET_YAML.format(id=sheet_id),
        sheet_dir / "derive.py": template.DERIVE_PY.format(id=sheet_id),
        targets[2] / ".gitkeep": "",
    }
    try:
        _make_folders(targets)
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
        write_notebook(reference_template(sheet_id), targets[1] / "solution.ipynb")
    except OSError as exc:  # a name too long for the file system, a read-only folder
        raise SheetError(f"cannot write the sheet {sheet_id!r} under {root}: {exc}") from None
    return Scaffold(sheet_dir, [*files, targets[1] / "solution.ipynb"], _shadow(sheet_id, sheet_dir))


def _make_folders(folders: list[Path]) -> None:
    """Each folder, or none (a file in the way, a read-only root): a failed ``grader new`` leaves
    no folder that the next one would refuse to overwrite."""
    made: list[Path] = []
    try:
        for folder in folders:
            folder.mkdir(parents=True)
            made.append(folder)
    except OSError:
        for folder in reversed(made):
            folder.rmdir()
        raise


def reference_template(sheet_id: str) -> nbformat.NotebookNode:
    cells = []
    for kind, tags, source in template.REFERENCE_CELLS:
        new_cell = v4.new_code_cell if kind == "code" else v4.new_markdown_cell
        cell = new_cell(source.format(id=sheet_id))  # type: ignore[no-untyped-call]
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)
    return cast(nbformat.NotebookNode, v4.new_notebook(  # type: ignore[no-untyped-call]
        cells=cells, metadata=copy.deepcopy(KERNEL_METADATA)))


def _shadow(sheet_id: str, sheet_dir: Path) -> Path | None:
    """Where ``grader lock ID`` run from here would look, if not at the new sheet."""
    try:
        found = resolve_sheet_dir(sheet_id)
    except SheetError:
        return None
    return None if found.resolve() == sheet_dir else found
