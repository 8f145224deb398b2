"""An OUT folder as ``grader grade`` leaves it (the golden inf264 reports), each manual point
carrying a located answer built by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.report import CheckResult, ScoreReport
from grader.report.located import Located, LocatedBlock
from grader.report.writers import write_batch, write_student
from grader.report.writers.batch import Batch
from grader.sheet import Sheet, load_sheet

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "inf264-ex4"
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
Answers = dict[str, Located]


def tagged(*texts: str, image: bool = False) -> Located:
    blocks = [LocatedBlock(kind="markdown", cell=i, text=t) for i, t in enumerate(texts, 3)]
    if image:
        blocks.append(LocatedBlock(kind="image", cell=9, png_base64=PNG))
    return Located(how="tag", detail="cells tagged grader:1.1-a-to-e", blocks=blocks)


def with_located(report: ScoreReport, answer: Callable[[str, CheckResult], Located | None]) -> ScoreReport:
    tasks = [t.model_copy(update={"checks": [
        c.model_copy(update={"located": answer(report.student, c)}) if c.kind == "manual" else c
        for c in t.checks]}) for t in report.tasks]
    return report.model_copy(update={"tasks": tasks})


@pytest.fixture
def graded(tmp_path: Path) -> Callable[..., tuple[Sheet, Path]]:
    """``graded(answers, extra, sheet_id)``: OUT with ``answers[student]`` as every manual point's
    located answer (students not named: not located), ``extra`` reports added."""

    def make(answers: Answers | None = None, extra: list[ScoreReport] | None = None,
             sheet_id: str = "inf264-ex4") -> tuple[Sheet, Path]:
        sheet, out = load_sheet(sheet_id), tmp_path / "out"
        given = answers or {}
        missing = Located(how="not_located", detail="no tag, no heading")
        reports = [with_located(ScoreReport.model_validate_json(p.read_text()),
                                lambda s, _c: given.get(s, missing))
                   for p in sorted((GOLDEN.parent / sheet_id).glob("*.json"))] + (extra or [])
        for report in reports:
            write_student(report, out / report.student)
        write_batch(Batch(sheet, reports), out)
        return sheet, out

    return make
