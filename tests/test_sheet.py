import json
import shutil

import pytest
import yaml

from grader.sheet import SheetError, all_sheet_ids, load_sheet
from grader.sheet.spec import SheetSpec


@pytest.mark.parametrize("sheet_id", ["inf264-ex4", "waterloo-a2-1"])
def test_bundled_sheets_load(sheet_id):
    sheet = load_sheet(sheet_id)
    assert sheet.id == sheet_id and sheet.lock_path.is_file() and sheet.reference_dir.is_dir()
    for task in sheet.spec.tasks:
        assert sum(task.check_points(c) for c in task.checks) == pytest.approx(task.points)


def test_points_match_sheets_md():
    assert load_sheet("inf264-ex4").spec.max_score == 10
    assert load_sheet("waterloo-a2-1").spec.max_score == 14
    assert set(all_sheet_ids()) >= {"inf264-ex4", "waterloo-a2-1"}


def _edit(folder, change):
    path = folder / "sheet.yaml"
    raw = yaml.safe_load(path.read_text())
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))


def test_a_broken_field_is_named_with_its_reason(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][4]["checks"][0].update(tolerance={"rtol": -1}))
    with pytest.raises(SheetError, match=r"tasks\.4\.checks\.0\.tolerance\.rtol: Input should be greater"):
        load_sheet(folder)


def test_unknown_fields_and_kinds_are_rejected(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][0]["checks"][0].update(kind="essay"))
    with pytest.raises(SheetError, match="does not match any of the expected tags"):
        load_sheet(folder)
    _edit(folder, lambda raw: raw["tasks"][0].update(point=3, checks=[{"kind": "manual", "answer": "a",
                                                                          "prompt": "p"}]))
    with pytest.raises(SheetError, match="point: Extra inputs are not permitted"):
        load_sheet(folder)


def test_a_missing_derive_function_is_named(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][5]["checks"][2]["follow_through"]["derive"].update(
        function="nope"))
    with pytest.raises(SheetError, match=r"derive function 'nope' is not in derive\.py"):
        load_sheet(folder)


def test_wrong_arity_of_a_derive_call_is_named(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][5]["checks"][2]["follow_through"]["derive"].update(
        args=["dL_dw1", "dL_dw2"]))
    with pytest.raises(SheetError, match=r"gradient_step_w1\(dL_dw1, dL_dw2\): too many"):
        load_sheet(folder)


def test_unknown_sheet_lists_the_known_ones():
    with pytest.raises(SheetError, match="inf264-ex4"):
        load_sheet("no-such-sheet")


def test_duplicate_task_ids_are_rejected(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][1].update(id="1.1"))
    with pytest.raises(SheetError, match=r"repeated: \['1.1'\]"):
        load_sheet(folder)


def test_json_schema_exports():
    schema = SheetSpec.model_json_schema()
    assert "tasks" in schema["properties"]
    assert "numpy.isclose" in json.dumps(schema)  # the tolerance rule is documented in the schema


def _course(tmp_path, sheet_id="course-sheet"):
    """A course's own repository: sheets/ and reference/ side by side, outside this checkout."""
    from grader.sheet import SHEETS_ROOT

    root = tmp_path / "course"
    shutil.copytree(SHEETS_ROOT / "inf264-ex4", root / "sheets" / sheet_id)
    shutil.copytree(SHEETS_ROOT.parent / "reference" / "inf264-ex4", root / "reference" / sheet_id)
    text = (root / "sheets" / sheet_id / "sheet.yaml").read_text()
    (root / "sheets" / sheet_id / "sheet.yaml").write_text(text.replace("id: inf264-ex4", f"id: {sheet_id}"))
    return root


def test_sheet_ids_are_found_from_the_current_folder_upward(tmp_path, monkeypatch):
    root = _course(tmp_path)
    (root / "subs").mkdir()
    monkeypatch.chdir(root / "subs")
    sheet = load_sheet("course-sheet")
    assert sheet.folder == (root / "sheets" / "course-sheet").resolve()
    assert "course-sheet" in all_sheet_ids() and "inf264-ex4" in all_sheet_ids()  # bundled ones too


def test_grader_sheets_names_a_folder_to_look_in_first(tmp_path, monkeypatch):
    from grader.sheet import SHEETS_ENV

    root = _course(tmp_path)
    monkeypatch.setenv(SHEETS_ENV, str(root / "sheets"))
    assert load_sheet("course-sheet").folder == (root / "sheets" / "course-sheet").resolve()
    with pytest.raises(SheetError, match="--sheets DIR"):
        load_sheet("no-such-sheet")


def test_a_mistyped_key_gets_a_suggestion(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][4]["checks"][0].update(tolerence={"rtol": 1e-3}))
    with pytest.raises(SheetError, match=r"tasks\.4\.checks\.0\.tolerence: Extra inputs are not permitted "
                                         r"\(did you mean 'tolerance'\?\)"):
        load_sheet(folder)
    folder = sheet_copy("waterloo-a2-1")
    _edit(folder, lambda raw: raw.update(limits={"cell_timeout": 30}))
    with pytest.raises(SheetError, match=r"limits\.cell_timeout: .*\(did you mean 'cell_timeout_s'"):
        load_sheet(folder)


def test_a_key_far_from_every_field_gets_no_suggestion(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw.update(zzz=1))
    with pytest.raises(SheetError, match=r"zzz: Extra inputs are not permitted") as caught:
        load_sheet(folder)
    assert "did you mean" not in str(caught.value)


def test_a_mistyped_check_kind_gets_a_suggestion(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][1]["checks"][0].update(kind="vlaue"))
    with pytest.raises(SheetError, match=r"tag 'vlaue' .*\(did you mean 'value'\?\)"):
        load_sheet(folder)


def test_a_mistyped_derive_function_gets_a_suggestion(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][5]["checks"][2]["follow_through"]["derive"].update(
        function="gradient_step_w"))
    with pytest.raises(SheetError, match=r"derive function 'gradient_step_w' is not in derive\.py "
                                         r"\(did you mean 'gradient_step_w2' or 'gradient_step_w1'\?\)"):
        load_sheet(folder)


def test_a_mistyped_answer_in_an_alternative_gets_a_suggestion(sheet_copy):
    folder = sheet_copy("inf264-ex4")
    _edit(folder, lambda raw: raw["tasks"][1]["checks"][2]["alternatives"][0]["derive"].update(
        args=["W1_shap"]))
    with pytest.raises(SheetError, match=r"task 1\.2, check W1_shape: reversed_shape\(W1_shap\): 'W1_shap' "
                                         r"is not an answer of the sheet \(did you mean 'W1_shape'"):
        load_sheet(folder)
