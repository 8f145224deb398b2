"""A sheet travels to worker processes by pickle: options kept, derive.py loaded again there."""

from __future__ import annotations

import pickle

from grader.sheet import SHEETS_ROOT, load_sheet


def test_a_sheet_pickles_with_its_options_and_reloads_derive() -> None:
    sheet = load_sheet(SHEETS_ROOT / "inf264-ex4").with_limits(memory_mib=900)
    sheet = sheet.with_data(extra=SHEETS_ROOT / "inf264-ex4" / "sheet.yaml")
    payload = pickle.dumps(sheet)
    assert b"grader_sheet_derive_" not in payload  # functions of a file-loaded module stay home
    copy = pickle.loads(payload)
    assert copy.spec == sheet.spec and copy.spec.limits.memory_mib == 900
    assert copy.data_overrides == sheet.data_overrides and copy.folder == sheet.folder
    assert sorted(copy.derive) == sorted(sheet.derive) and copy.derive["reversed_shape"] is not None
