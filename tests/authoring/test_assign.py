import json

import nbformat
import pytest
from typer.testing import CliRunner

from grader.authoring.assign import assign
from grader.authoring.scaffold import new_sheet
from grader.cli import app
from grader.grading.reference import check_reference, lock_sheet
from grader.sandbox.process import ProcessRunner
from grader.sheet import SHEETS_ENV, SheetError, load_sheet

pytestmark = pytest.mark.runs_code


def test_a_new_sheet_locks_hands_out_and_checks(tmp_path):
    made = new_sheet("demo-1", tmp_path)
    sheet = load_sheet(made.sheet_dir)
    lock_sheet(sheet, ProcessRunner())
    handout = assign(sheet, tmp_path / "handout", ProcessRunner())
    assert handout.path == tmp_path / "handout" / "demo-1.ipynb"
    text = handout.path.read_text()
    assert "BEGIN SOLUTION" not in text and "1.0 / (1.0 + np.exp" not in text
    assert "grader:3-explanation" in text
    result = check_reference(sheet, ProcessRunner())
    assert result.ok, result.problems
    kinds = {c.kind for t in sheet.spec.tasks for c in t.checks}
    assert kinds == {"value", "function", "finite_difference", "manual"}
    yaml_text = (made.sheet_dir / "sheet.yaml").read_text()
    for kind in ("choice", "consistency", "plot", "range", "model", "trend"):
        assert f"kind: {kind}" in yaml_text, f"no commented example of {kind}"


def test_new_refuses_to_overwrite_and_finds_the_course_root(tmp_path, monkeypatch):
    (tmp_path / "sheets").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    first = CliRunner().invoke(app, ["new", "demo-2"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "sheets" / "demo-2" / "sheet.yaml").is_file()
    assert (tmp_path / "reference" / "demo-2" / "solution.ipynb").is_file()
    again = CliRunner().invoke(app, ["new", "demo-2", "--root", str(tmp_path)])
    assert again.exit_code == 2 and "refusing to overwrite" in again.output
    bad = CliRunner().invoke(app, ["new", "Bad Id", "--root", str(tmp_path)])
    assert bad.exit_code == 2 and "is not a sheet id" in bad.output


def test_new_writes_where_ids_are_looked_up_first(tmp_path, monkeypatch):
    (tmp_path / "course" / "sheets").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv(SHEETS_ENV, str(tmp_path / "course" / "sheets"))
    made = CliRunner().invoke(app, ["new", "demo-4"])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "course" / "reference" / "demo-4" / "solution.ipynb").is_file()
    assert load_sheet("demo-4").folder == tmp_path / "course" / "sheets" / "demo-4"


@pytest.mark.parametrize("sheet_id", ["inf264-ex4", "waterloo-a2-1", "sheet6-ffnn"])
def test_every_numeric_sheet_hands_out(sheet_id, tmp_path):
    made = assign(load_sheet(sheet_id), tmp_path, ProcessRunner())
    assert made.report.score == 0 and made.handout.emptied
    assert "BEGIN SOLUTION" not in made.path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("sheet_id", ["statphys-1", "kiel-lab4"])
def test_every_training_sheet_hands_out(sheet_id, tmp_path):
    made = assign(load_sheet(sheet_id), tmp_path, ProcessRunner())
    assert made.report.score == 0 and made.handout.dropped == 1


def _edit_reference(sheet, starts, change):
    """Change the reference's cells at the cell whose source starts with ``starts``; relock."""
    path = sheet.reference_dir / "solution.ipynb"
    nb = nbformat.read(path, as_version=4)
    change(nb.cells, next(i for i, c in enumerate(nb.cells) if c.source.startswith(starts)))
    nbformat.write(nb, path)
    lock_sheet(sheet, ProcessRunner())


def test_a_leaked_solution_is_refused(sheet_copy, tmp_path):
    sheet = load_sheet(sheet_copy("inf264-ex4"))
    leaky = "baseline_accuracy = 0.5\n# BEGIN SOLUTION\nbest_feature = 'X1X2'\n# END SOLUTION"
    _edit_reference(sheet, "# BEGIN SOLUTION\nbaseline_accuracy",
                    lambda cells, i: cells[i].update(source=leaky))
    with pytest.raises(SheetError, match=r"refused .*leaked .*task 1\.4, baseline_accuracy \(value\) passed"):
        assign(sheet, tmp_path / "out", ProcessRunner())
    assert not (tmp_path / "out").exists()


def test_a_cell_that_fails_outside_the_emptied_parts_is_refused(sheet_copy, tmp_path):
    sheet = load_sheet(sheet_copy("inf264-ex4"))
    uses = nbformat.v4.new_code_cell("print(H1_size + 1)")
    _edit_reference(sheet, "## 2 Neural networks", lambda cells, i: cells.insert(i, uses))
    # the handout drops the hidden cell 2: the inserted cell is the handout's cell 13
    with pytest.raises(SheetError, match=r"cell 13 raised NameError.*none of its solution was removed"):
        assign(sheet, tmp_path / "out", ProcessRunner())


def test_lock_names_the_cell_where_a_missing_answer_was_expected(tmp_path):
    sheet = load_sheet(new_sheet("demo-3", tmp_path).sheet_dir)
    path = sheet.reference_dir / "solution.ipynb"
    nb = json.loads(path.read_text())
    code = "".join(nb["cells"][3]["source"]).replace("y_hat", "y_hatt")
    nb["cells"][3]["source"] = code
    path.write_text(json.dumps(nb))
    with pytest.raises(SheetError, match=r"answer 'y_hat' is not defined.*Where the reference should "
                                         r"define them: 'y_hat' \(task 1\): expected below cell 3 "
                                         r"\('## 1 Forward pass'\); no cell mentions it "
                                         r"\(did you mean 'y_hatt'\?\)"):
        lock_sheet(sheet, ProcessRunner())
    nb["cells"][3]["source"] = code.replace("y_hatt = ", "def f():\n    y_hat = ")
    path.write_text(json.dumps(nb))
    with pytest.raises(SheetError, match=r"'y_hat' \(task 1\): cell 4 mentions it but does not define it"):
        lock_sheet(sheet, ProcessRunner())


def test_assign_names_the_sheet_of_a_reference_without_markers(tmp_path):
    made = new_sheet("demo-5", tmp_path)
    path = tmp_path / "reference" / "demo-5" / "solution.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
        cell.source = "\n".join(line for line in cell.source.splitlines() if "SOLUTION" not in line)
    nbformat.write(nb, path)
    result = CliRunner().invoke(app, ["assign", str(made.sheet_dir), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "reference of demo-5" in result.output and "nothing would be removed" in result.output
    assert not (tmp_path / "out").exists()
