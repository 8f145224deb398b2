"""Red team of the authoring half of #17 (grader new, grader assign, did-you-mean, lock's
"where expected", docs/writing-a-sheet.md): what a careless or unlucky course-staff member does,
and what students then receive."""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4
from typer.testing import CliRunner

from grader.authoring.assign import assign
from grader.authoring.handout import build_handout, read_notebook, write_notebook
from grader.authoring.markers import strip_solutions
from grader.authoring.scaffold import new_sheet
from grader.authoring.suggest import did_you_mean
from grader.cli import app
from grader.grading.reference import lock_sheet
from grader.sandbox.process import ProcessRunner
from grader.sheet import SheetError, load_sheet

DOCS_TEST = Path(__file__).resolve().parents[1] / "authoring"


# --- markers: a near miss must never hand the solution out ---------------------------------------

@pytest.mark.parametrize("begin, end", [
    ("# begin solution", "# end solution"),            # lower case
    ("#BEGIN SOLUTION", "#END SOLUTION"),              # no space
    ("### BEGIN SOLUTION", "### END SOLUTION"),        # nbgrader's spelling
    ("# BEGIN SOLUTION (task 1)", "# END SOLUTION"),   # trailing text
    ("# BEGIN SOLUTIONS", "# END SOLUTIONS"),
])
def test_a_marker_spelt_differently_still_removes_the_solution(begin, end):
    stripped = strip_solutions(f"x = 1\n    {begin}\nsecret = 42\n    {end}\n")
    assert "secret" not in stripped.source and stripped.blocks == 1, stripped.source


def test_a_marker_spelt_differently_in_a_markdown_cell_is_refused():
    reference = v4.new_notebook(cells=[v4.new_markdown_cell("#begin solution\nsecret\n#end solution")])
    with pytest.raises(SheetError, match=r"solution markers in a markdown cell"):
        build_handout(reference, "ref")


@pytest.mark.parametrize("solution, hidden", [("Solution", "Hidden"), ("SOLUTION ", " hidden")])
def test_a_tag_typed_in_another_case_still_empties_or_drops_its_cell(solution, hidden):
    reference = v4.new_notebook(cells=[
        v4.new_markdown_cell("## 1\nSECRET_ANSWER", metadata={"tags": [solution, "grader:1"]}),
        v4.new_code_cell("SECRET_HELPER = 1", metadata={"tags": [hidden]})])
    handout = build_handout(reference, "ref", labels=["1"])
    assert [c.source for c in handout.notebook.cells] == ["## 1\n_Your answer here._"]
    assert handout.notebook.cells[0].metadata.tags == ["grader:1"] and handout.dropped == 1


def test_an_answer_written_as_a_heading_in_a_solution_cell_is_removed():
    reference = v4.new_notebook(cells=[
        v4.new_markdown_cell("## 4 Which activation avoids vanishing gradients?"),
        v4.new_markdown_cell("### (b) ReLU", metadata={"tags": ["solution", "grader:4"]})])
    assert "ReLU" not in build_handout(reference, "ref").notebook.cells[1].source


# --- what else a reference carries into the handout ------------------------------------------------

def _leaky_reference() -> nbformat.NotebookNode:
    answer = v4.new_markdown_cell(
        "## 3\nSECRET_TEXT ![derivation](attachment:proof.png)",
        metadata={"tags": ["solution", "grader:3"], "nbgrader": {"solution": True, "notes": "SECRET_NB"},
                  "execution": {"iopub.execute_input": "2026-11-29T04:00:00Z"}},
        attachments={"proof.png": {"image/png": "U0VDUkVUX0lNQUdF"}})
    code = v4.new_code_cell("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n",
                            metadata={"colab": {"base_uri": "https://localhost:8080/"},
                                      "outputId": "SECRET_ID", "collapsed": True,
                                      "jupyter": {"outputs_hidden": True}},
                            outputs=[v4.new_output("stream", text="SECRET_OUTPUT")])
    widgets = {"application/vnd.jupyter.widget-state+json": {"state": {"w": {
        "model_name": "IntSliderModel", "state": {"value": 42, "description": "SECRET_WIDGET"}}}}}
    return v4.new_notebook(cells=[answer, code], metadata={
        "kernelspec": {"display_name": "Python (SECRET_AUTHOR)", "language": "python",
                       "name": "conda-env-SECRET_AUTHOR-py"},
        "colab": {"name": "solution_SECRET_AUTHOR.ipynb", "provenance": [{"file_id": "SECRET_DRIVE"}]},
        "widgets": widgets, "authors": [{"name": "SECRET_AUTHOR"}]})


@pytest.mark.parametrize("secret", ["SECRET_TEXT", "U0VDUkVUX0lNQUdF", "SECRET_NB", "iopub", "SECRET_ID",
                                    "SECRET_OUTPUT", "SECRET_WIDGET", "SECRET_AUTHOR", "SECRET_DRIVE"])
def test_the_handout_keeps_nothing_of_the_author_but_tags_and_kernel(secret, tmp_path):
    handout = build_handout(_leaky_reference(), "ref")
    write_notebook(handout.notebook, tmp_path / "h.ipynb")
    text = (tmp_path / "h.ipynb").read_text()
    assert secret not in text
    assert handout.notebook.metadata.kernelspec.name == "python3"
    assert handout.notebook.cells[0].metadata.tags == ["grader:3"]


def test_a_raw_cell_keeps_its_format():
    raw = v4.new_raw_cell("\\newpage", metadata={"raw_mimetype": "text/latex", "tags": ["hidden-not"]})
    reference = v4.new_notebook(cells=[raw, v4.new_code_cell("x = 1", metadata={"tags": ["hidden"]})])
    assert build_handout(reference, "ref").notebook.cells[0].metadata == {
        "raw_mimetype": "text/latex", "tags": ["hidden-not"]}


def test_a_handout_from_an_old_reference_is_valid_nbformat_with_unique_ids(tmp_path):
    raw = json.loads(nbformat.writes(v4.new_notebook(cells=[
        v4.new_code_cell("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n"), v4.new_markdown_cell("text"),
        v4.new_code_cell("y = 2", metadata={"tags": ["hidden"]})])))
    raw["nbformat_minor"] = 4  # a reference saved by an old Jupyter: no cell ids
    for cell in raw["cells"]:
        cell.pop("id")
    (tmp_path / "ref.ipynb").write_text(json.dumps(raw))
    handout = build_handout(read_notebook(tmp_path / "ref.ipynb", "ref"), "ref")
    write_notebook(handout.notebook, tmp_path / "h.ipynb")
    written = nbformat.read(tmp_path / "h.ipynb", as_version=4)
    nbformat.validate(written)
    ids = [c.get("id") for c in written.cells]
    assert len(written.cells) == 2
    unique = ids == [None, None] if written.nbformat_minor < 5 else len(set(ids)) == 2  # 4.4: no ids
    assert unique, (written.nbformat_minor, ids)


@pytest.mark.parametrize("damage", ["4.4 with ids", "tags as text"])
def test_an_invalid_reference_is_one_sheet_error_naming_it(damage, tmp_path):
    raw = json.loads(nbformat.writes(v4.new_notebook(cells=[
        v4.new_code_cell("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n")])))
    if damage == "4.4 with ids":  # ids are nbformat 4.5: some editors save them under 4.4
        raw["nbformat_minor"] = 4
    else:
        raw["cells"][0]["metadata"]["tags"] = "solution"
    (tmp_path / "ref.ipynb").write_text(json.dumps(raw))
    with pytest.raises(SheetError, match=r"ref: .*ref.ipynb is not a valid notebook \(nbformat 4\.\d\)"):
        read_notebook(tmp_path / "ref.ipynb", "ref")


# --- grader assign on a sheet: leaks the sandbox run does or does not catch -----------------------

def _scaffold(tmp_path: Path, sheet_id: str = "demo"):
    made = new_sheet(sheet_id, tmp_path)
    return load_sheet(made.sheet_dir), tmp_path / "reference" / sheet_id / "solution.ipynb"


def _edit(sheet, path: Path, change) -> None:
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)
    lock_sheet(sheet, ProcessRunner())


def _untag_solution(nb) -> None:
    """The manual answer's cell (tagged grader:3-explanation) loses its `solution` tag."""
    cell = next(c for c in nb.cells if "grader:3-explanation" in c.metadata.get("tags", []))
    cell.metadata.tags = ["grader:3-explanation"]


@pytest.mark.runs_code
def test_a_manual_answer_left_in_its_tagged_cell_is_refused(tmp_path):
    sheet, path = _scaffold(tmp_path)
    _edit(sheet, path, _untag_solution)
    with pytest.raises(SheetError, match=r"cell \d+ \(markdown, tagged grader:3-explanation\) keeps the "
                                         r"reference's answer"):
        assign(sheet, tmp_path / "out", ProcessRunner())
    assert not (tmp_path / "out").exists()


@pytest.mark.runs_code
def test_a_manual_code_answer_left_unmarked_is_refused(tmp_path):
    sheet, path = _scaffold(tmp_path)

    def answer_in_code(nb):
        cell = next(c for c in nb.cells if "grader:3-explanation" in c.metadata.get("tags", []))
        nb.cells[nb.cells.index(cell)] = v4.new_code_cell(
            "shrink = 0.25 ** 10  # sigma' <= 1/4: the product of ten derivatives at most",
            metadata={"tags": ["grader:3-explanation"]})
    _edit(sheet, path, answer_in_code)
    with pytest.raises(SheetError, match=r"grader:3-explanation"):
        assign(sheet, tmp_path / "out", ProcessRunner())


@pytest.mark.runs_code
def test_a_manual_answer_located_by_heading_is_refused(tmp_path):
    sheet, path = _scaffold(tmp_path)
    yaml_path = sheet.folder / "sheet.yaml"
    yaml_path.write_text(yaml_path.read_text().replace(
        "answer: 3-explanation\n", "answer: 3-explanation\n        locate: {heading: '3'}\n"))
    sheet = load_sheet(sheet.folder)

    def untag(nb):
        cell = next(c for c in nb.cells if "grader:3-explanation" in c.metadata.get("tags", []))
        cell.metadata.pop("tags")
    _edit(sheet, path, untag)
    with pytest.raises(SheetError, match=r"3-explanation"):
        assign(sheet, tmp_path / "out", ProcessRunner())


@pytest.mark.runs_code
def test_a_value_the_handout_prints_but_does_not_define_is_refused(tmp_path):
    sheet, path = _scaffold(tmp_path)
    expected = f"{0.6224593312:.4f}"  # y_hat of the scaffold's task 1
    _edit(sheet, path, lambda nb: nb.cells.append(v4.new_code_cell(f"print('y_hat should be {expected}')")))
    with pytest.raises(SheetError, match=r"leaked"):
        assign(sheet, tmp_path / "out", ProcessRunner())


@pytest.mark.runs_code
def test_an_emptied_cell_that_no_longer_parses_is_refused(tmp_path):
    """Markers at column 0 inside a loop's body: the handout's `...` is not indented, so students
    get a cell that is a SyntaxError rather than a gap to fill."""
    sheet, path = _scaffold(tmp_path)
    body = "total = 0.0\nfor i in range(3):\n# BEGIN SOLUTION\n    total += i\n# END SOLUTION\n"

    def add(nb):
        nb.cells.append(v4.new_code_cell(body))
    _edit(sheet, path, add)
    with pytest.raises(SheetError, match=r"cell \d+ no longer parses.*IndentationError"):
        assign(sheet, tmp_path / "out", ProcessRunner())


# --- grader assign -o: never over the reference, never into the sheet ------------------------------

@pytest.mark.runs_code
def test_assign_into_the_reference_folder_never_overwrites_the_reference(tmp_path):
    sheet, path = _scaffold(tmp_path)
    yaml_path = sheet.folder / "sheet.yaml"  # the handout's name is the reference's own
    yaml_path.write_text(yaml_path.read_text().replace("[demo.ipynb]", "[solution.ipynb]"))
    sheet = load_sheet(sheet.folder)
    lock_sheet(sheet, ProcessRunner())
    before = path.read_bytes()
    result = CliRunner().invoke(app, ["assign", str(sheet.folder), "-o", str(path.parent)])
    assert result.exit_code == 2 and "inside the reference folder" in result.output, result.output
    assert path.read_bytes() == before


@pytest.mark.runs_code
@pytest.mark.parametrize("where", ["sheet", "reference-sub"])
def test_assign_into_the_sheet_or_reference_folder_is_refused(where, tmp_path):
    sheet, path = _scaffold(tmp_path)
    lock_sheet(sheet, ProcessRunner())
    out = sheet.folder if where == "sheet" else path.parent / "handout"
    result = CliRunner().invoke(app, ["assign", str(sheet.folder), "-o", str(out)])
    assert result.exit_code == 2 and "is inside the" in result.output, result.output
    assert sorted(p.name for p in sheet.folder.iterdir()) == ["derive.py", "expected.lock.json", "sheet.yaml"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["solution.ipynb"]


@pytest.mark.runs_code
@pytest.mark.parametrize("target", ["a-file.txt", "handout/demo.ipynb"])
def test_assign_onto_a_file_path_is_one_clear_line(target, tmp_path):
    sheet, _ = _scaffold(tmp_path)
    lock_sheet(sheet, ProcessRunner())
    (tmp_path / "a-file.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["assign", str(sheet.folder), "-o", str(tmp_path / target)])
    assert result.exit_code == 2 and "names a file: give the folder" in result.output, result.output
    assert (tmp_path / "a-file.txt").read_text() == "keep me"
    assert not (tmp_path / "handout").exists()


@pytest.mark.runs_code
def test_assign_into_a_folder_it_cannot_write_is_one_clear_line(tmp_path):
    sheet, _ = _scaffold(tmp_path)
    lock_sheet(sheet, ProcessRunner())
    result = CliRunner().invoke(app, ["assign", str(sheet.folder), "-o", "/sys/grader-redteam-handout"])
    assert result.exit_code == 2 and "cannot write the handout of demo" in result.output, result.output


@pytest.mark.runs_code
def test_a_submission_filename_with_a_path_never_writes_outside_the_out_folder(tmp_path):
    sheet, _ = _scaffold(tmp_path)
    yaml_path = sheet.folder / "sheet.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("[demo.ipynb]", "[../../escape.ipynb, sub/x.ipynb]"))
    sheet = load_sheet(sheet.folder)
    lock_sheet(sheet, ProcessRunner())
    made = assign(sheet, tmp_path / "out" / "deep", ProcessRunner())
    assert made.path == tmp_path / "out" / "deep" / "solution.ipynb"
    assert not (tmp_path / "escape.ipynb").exists()


@pytest.mark.runs_code
def test_assign_over_an_existing_handout_rewrites_it(tmp_path):
    sheet, _ = _scaffold(tmp_path)
    lock_sheet(sheet, ProcessRunner())
    first = assign(sheet, tmp_path / "out", ProcessRunner())
    first.path.write_text("stale")
    again = assign(sheet, tmp_path / "out", ProcessRunner())
    nbformat.validate(nbformat.read(again.path, as_version=4))


# --- grader new with hostile ids -------------------------------------------------------------------

@pytest.mark.parametrize("sheet_id", ["../x", "a/b", "/abs", "é", "x\n", "con", "nul", "lpt1", "aux.txt",
                                      "x.", "..", "-x", "a" * 250, "a" * 300])
def test_new_refuses_a_hostile_id_cleanly_and_writes_nothing(sheet_id, tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    result = CliRunner().invoke(app, ["new", "--root", str(root), "--", sheet_id])
    assert result.exit_code == 2 and "error:" in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]
    assert [str(p) for p in root.rglob("*") if p.is_file()] == []


def test_a_new_sheet_that_cannot_be_written_leaves_nothing_to_refuse_next_time(tmp_path):
    (tmp_path / "reference").write_text("a file where the folder goes")
    with pytest.raises(SheetError, match=r"cannot write the sheet 'demo'"):
        new_sheet("demo", tmp_path)
    assert not (tmp_path / "sheets" / "demo").exists()
    (tmp_path / "reference").unlink()
    assert new_sheet("demo", tmp_path).sheet_dir == tmp_path.resolve() / "sheets" / "demo"


@pytest.mark.parametrize("sheet_id", ["3", "1.5", "012", "true", "no", "null"])
def test_a_new_sheet_whose_id_reads_as_a_yaml_number_or_bool_loads(sheet_id, tmp_path):
    made = new_sheet(sheet_id, tmp_path)
    assert load_sheet(made.sheet_dir).id == sheet_id


def test_new_with_the_id_of_a_bundled_sheet_says_which_one_lock_would_find(tmp_path):
    made = new_sheet("inf264-ex4", tmp_path)  # tests run from the checkout: the bundled one wins
    assert made.shadowed_by is not None and made.shadowed_by.resolve() != made.sheet_dir


# --- did you mean: never wrong, never noisy --------------------------------------------------------

def test_did_you_mean_names_only_the_close_option():
    assert did_you_mean("tolerence", ["tolerance", "reference", "title"]) == " (did you mean 'tolerance'?)"
    assert did_you_mean("cell_timeout", ["cell_timeout_s", "model_timeout_s", "total_timeout_s"]) \
        == " (did you mean 'cell_timeout_s'?)"
    assert did_you_mean("x", []) == ""


def test_a_mistyped_key_under_a_mapping_gets_its_suggestion(sheet_copy):
    folder = sheet_copy("kiel-lab4")  # trainings.0.choices.optimizers.<name>.low
    yaml_path = folder / "sheet.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("{sgd: {low:", "{sgd: {lo:", 1))
    with pytest.raises(SheetError, match=r"optimizers\.sgd\.lo: Extra inputs are not permitted "
                                         r"\(did you mean 'low'\?\)"):
        load_sheet(folder)


def test_a_correct_sheet_loads_without_suggestions_and_an_empty_one_is_one_line(tmp_path):
    sheet, _ = _scaffold(tmp_path)
    yaml_path = sheet.folder / "sheet.yaml"
    load_sheet(sheet.folder)
    yaml_path.write_text("")
    with pytest.raises(SheetError, match=r"sheet.yaml: \(top level\): Input should be a valid dictionary"):
        load_sheet(sheet.folder)


@pytest.mark.runs_code
def test_lock_does_not_offer_another_answer_of_the_sheet_as_the_misspelling(tmp_path):
    sheet, path = _scaffold(tmp_path)
    write_notebook(v4.new_notebook(cells=[v4.new_code_cell(
        "import numpy as np\ny_hat, loss = 0.6, 0.07\ndef sigmoid(z):\n    return z\n")]), path)
    with pytest.raises(SheetError) as caught:
        lock_sheet(sheet, ProcessRunner())
    message = str(caught.value)
    assert "'dsigmoid' (task 2)" in message and "did you mean 'sigmoid'" not in message, message


@pytest.mark.runs_code
def test_lock_says_the_cell_raised_before_defining_the_answer(tmp_path):
    sheet, path = _scaffold(tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source = nb.cells[3].source.replace("# BEGIN SOLUTION\n", "# BEGIN SOLUTION\n1 / 0\n")
    nbformat.write(nb, path)
    with pytest.raises(SheetError, match=r"'y_hat' \(task 1\): cell 4 assigns it but raised before"):
        lock_sheet(sheet, ProcessRunner())


@pytest.mark.runs_code
def test_lock_of_a_script_reference_names_the_script_and_the_misspelling(tmp_path):
    sheet, path = _scaffold(tmp_path)
    path.unlink()
    (path.parent / "solution.py").write_text(
        "import numpy as np\nyhat = 0.6225\nloss = 0.0713\n"
        "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n"
        "def dsigmoid(z):\n    return sigmoid(z) * (1 - sigmoid(z))\n")
    with pytest.raises(SheetError, match=r"'y_hat' \(task 1\): the script does not mention it "
                                         r"\(did you mean 'yhat'\?\)"):
        lock_sheet(sheet, ProcessRunner())


@pytest.mark.runs_code
def test_a_finite_difference_of_a_function_the_reference_lacks_is_refused_at_lock(tmp_path):
    sheet, _ = _scaffold(tmp_path)
    yaml_path = sheet.folder / "sheet.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("of: sigmoid", "of: sigmod"))
    with pytest.raises(SheetError, match=r"'sigmod' \(finite_difference of dsigmoid, `of:`\) is not defined "
                                         r"\(did you mean 'sigmoid'\?\)"):
        lock_sheet(load_sheet(sheet.folder), ProcessRunner())


@pytest.mark.runs_code
def test_lock_of_an_empty_reference_names_every_answer_without_crashing(tmp_path):
    sheet, path = _scaffold(tmp_path)
    write_notebook(v4.new_notebook(), path)
    with pytest.raises(SheetError, match=r"'y_hat' \(task 1\): no cell mentions it, and no heading names "
                                         r"task 1;.*'dsigmoid' \(task 2\)"):
        lock_sheet(sheet, ProcessRunner())


# --- docs/writing-a-sheet.md, followed literally at the command line -------------------------------

@pytest.mark.runs_code
def test_the_page_followed_command_by_command_from_an_empty_course_folder(tmp_path, monkeypatch):
    sys.path.insert(0, str(DOCS_TEST))
    try:
        from test_writing_a_sheet import _blocks
    finally:
        sys.path.remove(str(DOCS_TEST))
    course = tmp_path / "course"
    course.mkdir()
    monkeypatch.chdir(course)
    cli = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = cli.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output)
        return result.output

    run("new", "softmax-ce")
    blocks = _blocks()
    for _, attrs, body in blocks:
        if "title" in attrs:
            Path(attrs["title"]).write_text(body, encoding="utf-8")
    cells = [(v4.new_code_cell if lang == "python" else v4.new_markdown_cell)(
        body.rstrip("\n"), metadata={"tags": attrs["tags"].split(",")} if "tags" in attrs else {})
        for lang, attrs, body in blocks if "cell" in attrs]
    write_notebook(v4.new_notebook(cells=cells), Path("reference/softmax-ce/solution.ipynb"))
    run("lock", "softmax-ce")
    run("assign", "softmax-ce", "-o", "handout/")
    run("lock", "--public", "softmax-ce", "-o", "handout/softmax-ce.public.json")
    assert "ok   softmax-ce: 8 / 9" in run("check-reference", "softmax-ce")
    monkeypatch.chdir(course / "handout")  # a student with the handout folder only
    said = run("check", "softmax-ce.public.json", "softmax-ce.ipynb", code=1)
    assert "`p` is not defined" in said and "4-stability" in said
