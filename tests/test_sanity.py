"""The wrong-sheet warnings, on the bundled examples and on hand-made reports."""

import json
from pathlib import Path

import pytest

from grader.grading import sanity
from grader.grading.discover import discover
from grader.grading.sanity import after_batch, defined_names
from grader.grading.score import failed_report, score
from grader.harness import wire
from grader.report import RunInfo
from grader.sandbox.job import RunResult
from grader.sheet import load_sheet
from grader.sheet.lock import load_lock

EXAMPLES = Path(__file__).resolve().parent.parent / "submissions_example"


def before_batch(sheet, folder):
    return sanity.before_batch(sheet, discover(folder))


def test_submissions_of_another_sheet_are_named_before_the_batch():
    warnings = before_batch(load_sheet("inf264-ex4"), EXAMPLES / "waterloo-a2-1")
    assert len(warnings) == 1
    assert "define answers of waterloo-a2-1 (" in warnings[0]
    assert "not of inf264-ex4: is this the right sheet?" in warnings[0]


@pytest.mark.parametrize("sheet_id", ["inf264-ex4", "waterloo-a2-1", "sheet6-ffnn"])
def test_the_right_sheet_gets_no_warning(sheet_id):
    assert before_batch(load_sheet(sheet_id), EXAMPLES / sheet_id) == []


def test_submissions_defining_none_of_the_answers_are_told():
    warnings = before_batch(load_sheet("kiel-lab4"), EXAMPLES / "inf264-ex4")
    read = len([p for p in (EXAMPLES / "inf264-ex4").iterdir() if p.suffix != ".zip"])  # zips: not read
    assert warnings[0].startswith(f"none of the {read} submissions read defines any answer of kiel-lab4 (")
    assert "define answers of inf264-ex4" in warnings[1]


def test_defined_names_reads_assignments_and_defs_not_comparisons():
    text = "h, y = f(x)\n  (a, b) = 1\nx: float = 2\nif q == r:\ndef  g (x):\nw += 1\nv[0] = 1\n"
    assert defined_names(text) == {"h", "y", "a", "b", "x", "g"}


def test_a_notebook_cut_at_the_size_limit_is_still_read(tmp_path, monkeypatch):
    cells = [{"cell_type": "code", "source": ["import numpy as np\n", "z = 1.0\n"]},
             {"cell_type": "code", "source": ["dL_dw1 = 2.0\n"], "outputs": [{"text": "x" * 5000}]}]
    (tmp_path / "anna.ipynb").write_text(json.dumps({"cells": cells}, indent=1), encoding="utf-8")
    (tmp_path / "ben.zip").write_bytes(b"PK not read")
    monkeypatch.setattr(sanity, "MAX_BYTES", 300)  # cuts the JSON inside the output
    assert before_batch(load_sheet("inf264-ex4"), tmp_path) == []
    assert "none of the 1 submissions" in before_batch(load_sheet("kiel-lab4"), tmp_path)[0]


def test_an_empty_folder_or_a_vanished_file_gets_no_warning(tmp_path):
    assert before_batch(load_sheet("inf264-ex4"), tmp_path) == []
    (tmp_path / "anna.py").write_text("dL_dw1 = 2.0\n")
    subs = discover(tmp_path)
    (tmp_path / "anna.py").unlink()  # gone between discovery and the look
    assert sanity.before_batch(load_sheet("kiel-lab4"), subs) == []


def _reports(sheet_id, answers):
    sheet = load_sheet(sheet_id)
    lock = load_lock(sheet)
    crashed = failed_report(sheet, lock, "a", "the file is empty")
    run = RunResult(status="completed", answers={k: wire.encode(v) for k, v in answers.items()})
    ran = score(sheet, lock, run, student="b", info=RunInfo(status="completed"))
    return sheet, [crashed, ran]


def test_after_the_batch_no_answer_defined_anywhere_is_told():
    sheet, reports = _reports("inf264-ex4", {"dL_dC": 1.0})
    warnings = after_batch(sheet, reports)
    assert len(warnings) == 1 and "no submission defined any answer of inf264-ex4 (" in warnings[0]
    assert "1 of 2 ran to the end: is this the right sheet?" in warnings[0]


def test_after_the_batch_one_answer_even_wrong_is_enough():
    sheet, reports = _reports("inf264-ex4", {"z": "not a number"})
    assert after_batch(sheet, reports) == []
    assert after_batch(sheet, []) == []


def test_the_missing_phrase_is_the_one_checks_use():
    _, reports = _reports("inf264-ex4", {})
    messages = [c.message for t in reports[1].tasks for c in t.checks if c.status == "error"]
    assert messages and all(sanity._MISSING in m for m in messages)
