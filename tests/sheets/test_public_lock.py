"""The public lock holds no expected value and no probe output, and grading refuses it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.sheet import SHEETS_ROOT, SheetError, load_sheet
from grader.sheet.lock import load_lock
from grader.sheet.public_lock import PublicLock, public_lock, read_public_lock, render

SHEETS = sorted(p.parent.name for p in SHEETS_ROOT.glob("*/sheet.yaml"))
# numbers a public lock may hold by design: shapes and lengths of answers, the sheet's limits,
# and the visible probe inputs, which sheet.yaml and every feedback show anyway
STRUCTURAL = {"shape", "length", "limits", "functions"}


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
    named = {public["title"], *(t.id for t in sheet.spec.tasks)}  # sheet.yaml's own words
    shown = {v for v in rest if isinstance(v, str)} - named
    leaked = sorted({t for t in texts if t in shown or any(t in s for s in shown if len(t) > 3)})
    assert leaked == [], f"expected texts found in the public lock: {leaked}"
    spelled = {f(n) for n in numbers for f in (repr, str, "{:g}".format)}
    assert shown.isdisjoint(spelled), "no expected number spelled out as a text either"


@pytest.mark.parametrize("sheet_id", SHEETS)
def test_public_lock_lists_forms_visible_probes_manual_points_and_limits(sheet_id):
    sheet = load_sheet(sheet_id)
    lock = load_lock(sheet)
    public = public_lock(sheet, lock)
    assert set(public.answers) == set(lock.answers)
    for name, check in sheet.spec.functions().items():
        assert [p.args for p in public.functions[name]] == [p.args for p in check.probes]  # no hidden
    manual = [c.answer for _, c in sheet.spec.checks() if c.kind == "manual"]
    assert [m.answer for m in public.manual] == manual
    assert public.limits == sheet.spec.limits and public.kind == "public-lock"
    assert "tolerance" not in render(public) and "calibration" not in render(public)


def test_a_full_lock_is_read_as_its_public_part(tmp_path):
    sheet = load_sheet("inf264-ex4")
    assert read_public_lock(sheet, sheet.lock_path) == public_lock(sheet, load_lock(sheet))
    other = tmp_path / "other.json"
    other.write_text(render(public_lock(sheet, load_lock(sheet)).model_copy(update={"sheet": "x"})))
    with pytest.raises(SheetError, match="is the lock of 'x', not of 'inf264-ex4'"):
        read_public_lock(sheet, other)
    other.write_text("{not json")
    with pytest.raises(SheetError, match="not a lock file"):
        read_public_lock(sheet, other)


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
    assert cli.invoke(app, ["lock", "--public", "inf264-ex4"]).exit_code == 2

