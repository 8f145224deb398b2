"""A manual answer found by its heading in the reference must be emptied in the handout."""

import nbformat

from grader.authoring.handout import build_handout
from grader.authoring.manual import manual_problems
from grader.authoring.scaffold import new_sheet
from grader.sheet import load_sheet


def _sheet_by_heading(tmp_path):
    made = new_sheet("demo", tmp_path)
    yaml_path = made.sheet_dir / "sheet.yaml"
    yaml_path.write_text(yaml_path.read_text().replace(
        "answer: 3-explanation\n", "answer: 3-explanation\n        locate: {heading: '3'}\n"))
    reference = nbformat.read(tmp_path / "reference" / "demo" / "solution.ipynb", as_version=4)
    answer = next(c for c in reference.cells if "grader:3-explanation" in c.metadata.get("tags", []))
    return load_sheet(made.sheet_dir), reference, answer


def test_a_section_with_its_answer_emptied_is_accepted(tmp_path):
    sheet, reference, answer = _sheet_by_heading(tmp_path)
    answer.metadata.tags = ["solution"]  # found by heading, its answer cell emptied
    assert manual_problems(sheet, reference, build_handout(reference, "demo")) == []


def test_a_section_handed_out_as_it_is_names_the_point_and_its_cells(tmp_path):
    sheet, reference, answer = _sheet_by_heading(tmp_path)
    del answer.metadata["tags"]
    [problem] = manual_problems(sheet, reference, build_handout(reference, "demo"))
    assert "'3-explanation'" in problem and "none of its cells (7, 8) is emptied" in problem, problem


def test_a_point_found_by_its_tag_is_left_to_the_tag_rule(tmp_path):
    sheet, reference, _ = _sheet_by_heading(tmp_path)
    assert manual_problems(sheet, reference, build_handout(reference, "demo")) == []
