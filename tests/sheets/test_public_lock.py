"""The public lock holds no expected value, no probe output and nothing else secret of the sheet
(choice answers, hidden or random probes, model inputs, manual prompts), and grading refuses it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from typer.testing import CliRunner

from grader.checks.forms import form_of
from grader.checks.probes import encoded_calls
from grader.cli import app
from grader.sheet import SHEETS_ROOT, Sheet, SheetError, load_sheet
from grader.sheet.kinds import ChoiceCheck, FunctionCheck, ManualCheck
from grader.sheet.lock import load_lock
from grader.sheet.public_lock import PublicLock, load_public_lock, public_lock, render
from grader.sheet.spec import Check
from grader.sheet.training import ModelCheck

SHEETS = sorted(p.parent.name for p in SHEETS_ROOT.glob("*/sheet.yaml"))
# numbers a public lock may hold by design: shapes and lengths of answers, the sheet's limits,
# and the visible probe inputs (as the sheet writes them, as the job sends them, and the finite
# differences' moves of them), which sheet.yaml and every feedback show anyway
STRUCTURAL = {"shape", "length", "limits", "functions", "probes"}


def leaves(value: Any, skip: frozenset[str] | set[str] = frozenset()) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() if k not in skip for leaf in leaves(v, skip)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v, skip)]
    return [value]


def secrets(sheet_id: str) -> tuple[list[float], list[str]]:
    """Every number and text of the real lock's answers, probe outputs and calibrations."""
    raw = json.loads((SHEETS_ROOT / sheet_id / "expected.lock.json").read_text(encoding="utf-8"))
    found = leaves([raw["answers"], raw["probe_outputs"], raw["calibrations"]])
    numbers = [v for v in found if isinstance(v, int | float) and not isinstance(v, bool)]
    texts = [v for v in found if isinstance(v, str) and not v.startswith("$") and len(v) > 1]
    return numbers, texts


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_public_lock_holds_no_expected_value_and_no_probe_output(sheet_id):
    sheet = load_sheet(sheet_id)
    public = json.loads(render(public_lock(sheet, load_lock(sheet))))
    numbers, texts = secrets(sheet_id)
    assert numbers, "the real lock has numbers to look for"
    rest = leaves(public, STRUCTURAL)
    assert [v for v in rest if isinstance(v, int | float) and not isinstance(v, bool)] == [], \
        "outside shapes, lengths, limits and visible probes the public lock holds no number at all"
    named = {public["title"], *(t.id for t in sheet.spec.tasks), *sheet.spec.answer_names(),
             *(c.answer for _, c in sheet.spec.checks())}  # sheet.yaml's own words: titles, names
    shown = {v for v in rest if isinstance(v, str)} - named
    leaked = sorted({t for t in texts if t in shown or any(t in s for s in shown if len(t) > 3)})
    assert leaked == [], f"expected texts found in the public lock: {leaked}"
    spelled = {f(n) for n in numbers for f in (repr, str, "{:g}".format)}
    assert shown.isdisjoint(spelled), "no expected number spelled out as a text either"


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_public_lock_lists_forms_visible_probes_checks_and_how_to_run(sheet_id):
    sheet = load_sheet(sheet_id)
    lock = load_lock(sheet)
    public = public_lock(sheet, lock)
    assert set(public.answers) == set(lock.answers)
    for name, check in sheet.spec.functions().items():
        assert [p.args for p in public.functions[name]] == [p.args for p in check.probes]  # no hidden
    assert [(c.task, c.answer, c.kind) for c in public.checks] == [
        (t.id, c.answer, c.kind) for t, c in sheet.spec.checks()]
    manual = [c.answer for _, c in sheet.spec.checks() if c.kind == "manual"]
    assert [m.answer for m in public.manual] == manual
    assert public.limits == sheet.spec.limits and public.kind == "public-lock"
    plan = public.plan
    assert (plan.executor, plan.answers, plan.data) == (sheet.spec.executor, sheet.spec.answer_names(),
                                                         sheet.spec.data)
    assert list(plan.datasets) == sheet.spec.datasets
    assert plan.models == {m.answer: [] for m in sheet.spec.models()}, "no model input"
    secret = [c for calls in encoded_calls(sheet.spec).values() for c in calls if c.secret]
    sent = [c for calls in plan.probes.values() for c in calls]
    assert not any(c.secret for c in sent) and not any(c in sent for c in secret)
    assert "tolerance" not in render(public) and "calibration" not in render(public)


def _without_secrets(sheet: Sheet) -> Sheet:
    """The sheet with every secret a public lock must not depend on replaced by something else."""
    def other(check: Check) -> Check:
        if isinstance(check, ChoiceCheck):
            return check.model_copy(update={"accepted": ["zz"] if check.accepted else [],
                                            "parts": [["zz"] for _ in check.parts]})
        if isinstance(check, ManualCheck):
            return check.model_copy(update={"prompt": "zz"})
        if isinstance(check, FunctionCheck):
            return check.model_copy(update={"hidden": [], "random": None})
        if isinstance(check, ModelCheck):
            return check.model_copy(update={"inputs": check.inputs.model_copy(update={"function": "zz"})})
        return check
    tasks = [t.model_copy(update={"checks": [other(c) for c in t.checks]}) for t in sheet.spec.tasks]
    return replace(sheet, spec=sheet.spec.model_copy(update={"tasks": tasks}), derive={})


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_public_lock_depends_on_no_choice_answer_prompt_hidden_probe_or_model_input(sheet_id):
    """Made from the sheet with those replaced, the public lock is the same: it cannot hold them."""
    sheet = load_sheet(sheet_id)
    lock = load_lock(sheet)
    assert public_lock(_without_secrets(sheet), lock) == public_lock(sheet, lock)


def test_a_form_names_the_type_and_shape_never_the_value():
    for value, described in [(3.25, "a number"), (7, "a number"), ("X1X2", "a text (str)"),
                             (True, "True or False"), ([1.5, 2.5], "numbers of shape (2,)"),
                             (("sigmoid", "binary cross-entropy"), "a sequence of 2 items")]:
        form = form_of(value)
        assert form.describe() == described
        assert str(value) not in render_form(form) and "X1X2" not in render_form(form)
    choice = form_of({"a": ("sigmoid", "bce")})
    assert "sigmoid" not in render_form(choice) and "bce" not in render_form(choice)


def render_form(form: Any) -> str:
    return json.dumps(form.model_dump(mode="json"))


def test_a_full_lock_is_read_as_its_public_part(tmp_path):
    sheet = load_sheet("inf264-ex4")
    assert load_public_lock(sheet.lock_path, sheet) == public_lock(sheet, load_lock(sheet))
    other = tmp_path / "other.json"
    other.write_text(render(public_lock(sheet, load_lock(sheet)).model_copy(update={"sheet": "x"})))
    with pytest.raises(SheetError, match="is the lock of 'x', not of 'inf264-ex4'"):
        load_public_lock(other, sheet)
    other.write_text("{not json")
    with pytest.raises(SheetError, match="not a lock file"):
        load_public_lock(other, sheet)
    with pytest.raises(SheetError, match=r"not a public lock .* name the sheet"):
        load_public_lock(sheet.lock_path)  # a full lock needs its sheet


def test_a_public_lock_of_another_version_is_named_so(tmp_path):
    """One made before the lock carried its run plan: one line, not pydantic's whole report."""
    sheet = load_sheet("inf264-ex4")
    raw = json.loads(render(public_lock(sheet, load_lock(sheet))))
    old = {k: v for k, v in raw.items() if k not in ("plan", "checks")} | {"executor": "lean"}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(SheetError) as caught:
        load_public_lock(path)
    message = str(caught.value)
    assert "made by another version of grader" in message and "\n" not in message
    assert message.endswith("(and 2 more)"), message


def test_grading_refuses_a_public_lock_with_the_reason(sheet_copy, tmp_path):
    folder = sheet_copy("inf264-ex4")
    sheet = load_sheet(folder)
    public = public_lock(sheet, load_lock(sheet))
    sheet.lock_path.write_text(render(public), encoding="utf-8")
    with pytest.raises(SheetError, match=r"it is a public lock .* grading needs the full lock"):
        load_lock(load_sheet(folder))
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "anna.py").write_text("z = 3\n")
    cli = CliRunner()
    for args in (["grade", str(folder), str(subs), "--out", str(tmp_path / "out")],
                 ["check-reference", str(folder)]):
        result = cli.invoke(app, args)
        assert result.exit_code == 2 and "it is a public lock" in result.output, result.output


def test_lock_public_cli_writes_it_and_needs_an_output(tmp_path):
    cli = CliRunner()
    target = tmp_path / "inf264-ex4.public.json"
    result = cli.invoke(app, ["lock", "--public", "inf264-ex4", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert PublicLock.model_validate_json(target.read_text()).sheet == "inf264-ex4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inf264-ex4.public.json"], "no data files"
    assert cli.invoke(app, ["lock", "--public", "inf264-ex4"]).exit_code == 2


def test_lock_public_copies_the_sheets_data_files_beside_it(tmp_path):
    result = CliRunner().invoke(app, ["lock", "--public", "kiel-lab4", "-o", str(tmp_path / "k.json")])
    assert result.exit_code == 0, result.output
    assert "data files copied beside it: Eckerle4.csv" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Eckerle4.csv", "k.json"]
    source = SHEETS_ROOT / "kiel-lab4" / "data" / "Eckerle4.csv"
    assert (tmp_path / "Eckerle4.csv").read_bytes() == source.read_bytes()


def test_a_public_lock_names_its_sheet_as_a_sheet_id():
    sheet = load_sheet("inf264-ex4")
    raw = json.loads(render(public_lock(sheet, load_lock(sheet))))
    with pytest.raises(ValueError, match="sheet"):
        PublicLock.model_validate({**raw, "sheet": "../../x"})
