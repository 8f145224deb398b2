"""``grader assign``: write the students' notebook from the reference, once it has proved harmless.

The handout (see :mod:`grader.authoring.handout`) is graded like any submission, in the sandbox,
against the sheet's lock, before anything is written. It is refused when

- its run did not end normally (a timeout, a crash, a grader error), or
- an emptied cell no longer parses (a marker at the wrong indentation), or
- a cell raised that has no emptied part: only a cell whose own solution text was taken out
  (a replaced ``# BEGIN SOLUTION`` block, or a cell tagged ``solution``) may fail — it fails
  because the student has not written it yet. Any other cell reaches students as it is, so it
  must run, even when it only uses names that an earlier solution defined (mark its lines too), or
- an automatic check passes or earns points: the handout would hand out the solution, or
- it shows an expected value where no check sees it (printed, in a comment, under another name:
  see :mod:`grader.authoring.leaks`), or
- a cell tagged ``grader:<answer>`` (a manual point's answer) kept its text: a Markdown cell, and a
  code cell too (tag it ``solution`` or mark its lines; a cell students only run, whose output the
  TA reads, is tagged on its Markdown answer cell instead), or
- a manual point found by its heading in the reference has nothing emptied under that heading
  (see :mod:`grader.authoring.manual`).

``out_dir`` must be a folder outside the sheet and reference folders: a notebook written there
would change what the lock was made from, become the reference (a submission name is preferred
to ``solution.ipynb``), or overwrite it.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.authoring.handout import (
    SOLUTION_TAG,
    Handout,
    build_handout,
    read_notebook,
    write_notebook,
)
from grader.authoring.leaks import leaked
from grader.authoring.manual import manual_problems
from grader.grading.discover import Submission, SubmissionProblem, choose_main
from grader.grading.locate import TAG as ANSWER_TAG
from grader.grading.submission import grade_executed
from grader.report import ScoreReport
from grader.sandbox.process import Runner
from grader.sheet import Sheet, SheetError
from grader.sheet.kinds import ManualCheck
from grader.sheet.lock import require_fresh_lock

_UNPARSED = ("SyntaxError", "IndentationError", "TabError")
_OR_MARK = (" or mark its answer lines # BEGIN SOLUTION … # END SOLUTION; a cell students only run, "
            "whose output the TA reads, is not the answer's cell: tag the Markdown answer below it")


@dataclass(frozen=True)
class Assignment:
    path: Path
    handout: Handout
    report: ScoreReport  # the handout's own grading: every automatic check failed


def reference_notebook(sheet: Sheet) -> Path:
    folder = sheet.reference_dir
    if not folder.is_dir():
        raise SheetError(f"the reference folder {folder} of {sheet.id} does not exist")
    try:
        main = choose_main(folder, sheet.spec.submission.filenames)
    except SubmissionProblem as exc:
        raise SheetError(f"reference of {sheet.id}: {exc}") from None
    if main.suffix != ".ipynb":
        raise SheetError(f"reference of {sheet.id}: {main} is a script; a handout is made from a notebook")
    return main


def handout_name(sheet: Sheet, reference: Path) -> str:
    """The first notebook name the sheet prefers for submissions, else the reference's name. Only
    a plain file name counts (submissions are matched by name): ``../x.ipynb`` would write outside."""
    return next((n for n in sheet.spec.submission.filenames
                 if n.endswith(".ipynb") and Path(n).name == n and n != ".ipynb"), reference.name)


def assign(sheet: Sheet, out_dir: Path, runner: Runner) -> Assignment:
    """Write ``out_dir/<notebook>``, the handout of ``sheet``; SheetError (nothing written) when
    the reference has no solution marked, its markers do not pair up, or the handout is refused."""
    reference = reference_notebook(sheet)
    _check_out_dir(sheet, out_dir)
    where = f"reference of {sheet.id} ({reference})"
    notebook = read_notebook(reference, where)
    handout = build_handout(notebook, where, labels(sheet))
    lock = require_fresh_lock(sheet)
    name = handout_name(sheet, reference)
    with tempfile.TemporaryDirectory(prefix=f"grader-assign-{sheet.id}-") as tmp:
        draft = Path(tmp) / name
        write_notebook(handout.notebook, draft)
        graded = grade_executed(sheet, lock, Submission("handout", draft, "notebook"), runner)
        report = graded.report
        problems = handout_problems(handout, report) + manual_problems(sheet, notebook, handout)
        shown = leaked(lock.decoded()[0], graded.executed, handout.emptied)
        if shown:
            problems.append("expected values leaked into the handout (no check sees them there): "
                            + ", ".join(shown) + " (mark those lines as solution, or remove them)")
        if problems:
            raise SheetError(f"the handout of {sheet.id} is refused (nothing written): "
                             + "; ".join(problems))
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(draft, out_dir / name)
        except OSError as exc:  # a read-only or foreign folder: the TA's to fix, not a grader bug
            raise SheetError(f"cannot write the handout of {sheet.id} to {out_dir}: {exc}") from None
    return Assignment(out_dir / name, handout, report)


def labels(sheet: Sheet) -> list[str]:
    """The headings a solution Markdown cell may keep: the tasks' ids and titles, the manual
    points' ``locate.heading``."""
    found = [t for task in sheet.spec.tasks for t in (task.id, task.title) if t]
    return found + [c.locate.heading for _, c in sheet.spec.checks()
                    if isinstance(c, ManualCheck) and c.locate is not None]


def _check_out_dir(sheet: Sheet, out_dir: Path) -> None:
    if (inside := sheet.locked_folder(out_dir)) is not None:
        what, folder = inside
        raise SheetError(f"-o {out_dir} is inside the {what} folder {folder}: the handout would "
                         "change (or replace) what the lock was made from; write it elsewhere")
    if (out_dir.exists() or out_dir.suffix == ".ipynb") and not out_dir.is_dir():
        raise SheetError(f"-o {out_dir} names a file: give the folder to write the handout into")


def handout_problems(handout: Handout, report: ScoreReport) -> list[str]:
    """Why the handout must not reach students ([] when it may); see the module's rules."""
    run = report.run
    problems = [] if run.ran_to_end else [f"its run ended {run.status}: {run.message}"]
    problems += [f"cell {e.cell} raised {e.error} but none of its solution was removed (it reaches "
                 "students as it is: mark the lines that need a removed answer as solution too)"
                 for e in run.cell_errors if e.cell - 1 not in handout.emptied]
    problems += [f"cell {e.cell} no longer parses once its solution is removed ({e.error}): put each "
                 "marker at the indentation of the lines it encloses"
                 for e in run.cell_errors
                 if e.cell - 1 in handout.emptied and e.error.startswith(_UNPARSED)]
    leaked = [f"task {t.id}, {c.answer} ({c.kind}) {c.status} with {c.score:g} points"
              for t in report.tasks for c in t.checks
              if c.kind != "manual" and (c.status == "passed" or c.score > 0)]
    if leaked:
        problems.append("the solution leaked into the handout: " + ", ".join(leaked)
                        + " (mark the lines that compute these answers as solution)")
    problems += [f"cell {n + 1} ({cell.cell_type}, tagged {', '.join(tags)}) keeps the reference's "
                 f"answer: tag it {SOLUTION_TAG!r}{_OR_MARK * (cell.cell_type == 'code')} (the tag "
                 "marks the answer's cell, not the question's)"
                 for n, cell in enumerate(handout.notebook.cells)
                 if n not in handout.emptied
                 and (tags := [t for t in cell.metadata.get("tags", []) if t.startswith(ANSWER_TAG)])]
    return problems
