"""trend checks: a rising curve (rank correlation) and the spread of repeated runs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from grader.checks import run_check
from grader.sheet.training import TrendCheck
from tests.checks.test_training_checks import check, ctx_for

SIZES = [10, 20, 40, 50, 100, 300]


def judge(answers):
    sheet, ctx = ctx_for("statphys-1", answers)
    return lambda answer: run_check(check(sheet, "trend", answer), ctx)


def test_increasing_passes_a_rising_curve_with_one_dip_and_names_the_rule():
    accs = dict(zip(SIZES, [0.80, 0.85, 0.84, 0.88, 0.90, 0.91], strict=True))
    out = judge({"val_acc_by_hidden": accs})("val_acc_by_hidden")
    assert out.status == "passed" and "Spearman rank correlation ≥ 0.6" in out.message
    assert "yours is 0.943" in out.message


def test_increasing_fails_a_falling_curve_and_a_flat_one():
    falling = dict(zip(SIZES, [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], strict=True))
    out = judge({"val_acc_by_hidden": falling})("val_acc_by_hidden")
    assert out.status == "failed" and "yours is -1" in out.message and out.details.got == "-1"
    flat = dict.fromkeys(SIZES, 0.9)
    assert judge({"val_acc_by_hidden": flat})("val_acc_by_hidden").status == "failed"


def test_spread_compares_std_over_mean():
    out = judge({"val_accs_30": [0.88, 0.89, 0.87, 0.88, 0.9, 0.88, 0.89, 0.87, 0.88, 0.89]})("val_accs_30")
    assert out.status == "passed" and "std (ddof=1) / mean ≤ 0.05" in out.message
    out = judge({"val_accs_30": [0.1, 0.9, 0.1, 0.9]})("val_accs_30")
    assert out.status == "failed" and "yours is 0.924" in out.message


def test_malformed_or_missing_answers_are_the_students_error_not_a_crash():
    out = judge({"val_accs_30": ["a", "b"]})("val_accs_30")
    assert out.status == "error" and "cannot be judged" in out.message
    out = judge({"val_acc_by_hidden": {10: 0.8, 20: 0.9}})("val_acc_by_hidden")
    assert out.status == "error" and "at least 3 (x, y) pairs" in out.message
    assert "is not defined" in judge({})("val_accs_30").message


def test_trend_spec_names_its_rule():
    with pytest.raises(ValidationError, match="rule"):
        TrendCheck.model_validate({"answer": "a", "rule": "decreasing", "threshold": 0.5,
                                   "data": {"function": "f", "args": ["a"]}})
