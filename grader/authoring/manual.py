"""Manual points' answers in the reference: each must be taken out of the handout.

Each manual point is located in the reference notebook the way grading locates it in a
submission (:func:`grader.grading.locate.locate_notebook`: its ``grader:<answer>`` tag, else its
``locate.heading``). A point found by its tag is checked cell by cell in the handout (a tagged
cell must be emptied: see :func:`grader.authoring.assign.handout_problems`). A point found by its
heading is refused when no cell of its section is emptied or dropped: the section then reaches
students as it is, answer included. (A section's question text and its answer cannot be told
apart without a tag, so one emptied cell in the section is taken as the answer removed.)
"""

from __future__ import annotations

from nbformat import NotebookNode

from grader.authoring.handout import SOLUTION_TAG, Handout
from grader.grading.locate import TAG, RunView, locate_notebook
from grader.sheet import Sheet
from grader.sheet.kinds import ManualCheck


def manual_problems(sheet: Sheet, reference: NotebookNode, handout: Handout) -> list[str]:
    """Why a manual point's answer, found by its heading in the reference, reaches students."""
    checks = [c for _, c in sheet.spec.checks() if isinstance(c, ManualCheck)]
    if not checks:
        return []
    located = locate_notebook(checks, reference, RunView(), known=sheet.spec.answer_names())
    kept = {ref: n for n, ref in enumerate(handout.origin) if n not in handout.emptied}
    problems = []
    for check in checks:
        point = located[check.answer]
        section = sorted({b.cell - 1 for b in point.blocks})
        if point.how != "heading" or not section or any(i not in kept for i in section):
            continue
        cells = ", ".join(str(i + 1) for i in section)
        problems.append(f"the manual point {check.answer!r} is found by its heading in the reference, "
                        f"{point.detail}, and none of its cells ({cells}) is emptied: they reach students "
                        f"as they are; tag the answer's cell {SOLUTION_TAG!r} and {TAG}{check.answer}")
    return problems
