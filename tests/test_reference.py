import pytest

from grader.grading.reference import check_reference, lock_sheet
from grader.sandbox.process import ProcessRunner
from grader.sheet import SheetError, load_sheet
from grader.sheet.lock import require_fresh_lock, staleness

pytestmark = pytest.mark.runs_code


@pytest.mark.parametrize("sheet_id", ["inf264-ex4", "waterloo-a2-1"])
def test_reference_scores_every_automatic_point(sheet_id):
    result = check_reference(load_sheet(sheet_id), ProcessRunner())
    assert result.ok, result.problems
    auto = sum(c.max_score for t in result.report.tasks for c in t.checks if c.kind != "manual")
    assert result.report.score == pytest.approx(auto)


def test_a_changed_reference_makes_the_lock_stale(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    sheet = load_sheet(folder)
    assert staleness(sheet, require_fresh_lock(sheet)) == []
    (sheet.reference_dir / "notes.txt").write_text("changed")
    with pytest.raises(SheetError, match="stale"):
        require_fresh_lock(sheet)
    assert not check_reference(sheet, ProcessRunner()).ok


def test_a_broken_reference_cannot_be_locked(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    sheet = load_sheet(folder)
    for nb in sheet.reference_dir.glob("*.ipynb"):
        nb.unlink()
    (sheet.reference_dir / "solution.py").write_text("z = 3\n1/0\n")
    with pytest.raises(SheetError, match=r"cell 1 raised ZeroDivisionError.*answer 'h' is not defined"):
        lock_sheet(sheet, ProcessRunner())


def test_relocking_gives_the_same_answers(sheet_copy):
    sheet = load_sheet(sheet_copy("waterloo-a2-1"))
    before = require_fresh_lock(sheet)
    after = lock_sheet(sheet, ProcessRunner())
    assert after.answers == before.answers and after.probe_outputs == before.probe_outputs
