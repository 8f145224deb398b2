"""Each check kind against the real sheets and their locks, with hand-made student answers."""

import numpy as np
import pytest

from grader.checks import Context, ProbeResult, run_check
from grader.checks.choice import normalize_choice
from grader.harness.wire import Unsupported
from grader.lock import load_lock
from grader.sheet import load_sheet


def context(sheet_id, answers, probes=None, run_problem=""):
    sheet = load_sheet(sheet_id)
    expected, expected_probes = load_lock(sheet).decoded()
    return sheet, Context(sheet=sheet, answers=answers, probes=probes or {}, expected=expected,
                          expected_probes=expected_probes, run_problem=run_problem)


def check_of(sheet, answer):
    return next(c for _, c in sheet.spec.checks() if c.answer == answer)


def test_value_passes_within_hand_rounding():
    sheet, ctx = context("waterloo-a2-1", {"h": [0.8176, 0.9959]})
    outcome = run_check(check_of(sheet, "h"), ctx)
    assert outcome.status == "passed" and outcome.credit == 1


def test_value_failure_shows_got_expected_tolerance_and_worst_index():
    sheet, ctx = context("waterloo-a2-1", {"h": np.array([0.9176, 0.9959])})
    outcome = run_check(check_of(sheet, "h"), ctx)
    assert outcome.status == "failed"
    assert "element [0]: got 0.9176, expected 0.817574" in outcome.message
    assert outcome.details.worst_index == [0] and "rtol 0.001" in outcome.details.tolerance


def test_alternative_convention_is_named():
    sheet, ctx = context("inf264-ex4", {"W1_shape": [2, 3]})
    outcome = run_check(check_of(sheet, "W1_shape"), ctx)
    assert outcome.status == "passed" and "Keras kernel convention" in outcome.details.matched


def test_follow_through_credits_a_consistent_later_step():
    # dL_dw1 wrong (1 instead of 2); w1_new = 3 - 0.1 * 1 follows from it.
    sheet, ctx = context("inf264-ex4", {"dL_dw1": 1.0, "w1_new": 2.9})
    assert run_check(check_of(sheet, "dL_dw1"), ctx).status == "failed"
    outcome = run_check(check_of(sheet, "w1_new"), ctx)
    assert outcome.status == "passed" and outcome.credit == 1
    assert "follow-through" in outcome.message and outcome.details.credit_via


def test_follow_through_does_not_rescue_an_inconsistent_step():
    sheet, ctx = context("inf264-ex4", {"dL_dw1": 1.0, "w1_new": 2.5})
    outcome = run_check(check_of(sheet, "w1_new"), ctx)
    assert outcome.status == "failed" and "From your own `dL_dw1` it would be 2.9" in outcome.message


def test_missing_answer_says_why():
    sheet, ctx = context("inf264-ex4", {}, run_problem="Cell 4 raised an error.")
    outcome = run_check(check_of(sheet, "z"), ctx)
    assert outcome.status == "error" and "`z` is not defined" in outcome.message
    assert "Cell 4 raised an error." in outcome.message


def test_unsupported_type_is_reported_not_compared():
    sheet, ctx = context("inf264-ex4", {"z": Unsupported("mymodule.LyingNumber")})
    outcome = run_check(check_of(sheet, "z"), ctx)
    assert outcome.status == "failed" and "unsupported type mymodule.LyingNumber" in outcome.message


@pytest.mark.parametrize("spelling", ["X1X2", "x1 x2", "X_1 * X_2", "x1*x2"])
def test_choice_spellings(spelling):
    sheet, ctx = context("inf264-ex4", {"best_feature": spelling})
    assert run_check(check_of(sheet, "best_feature"), ctx).status == "passed"


def test_choice_rejects_other_answers_and_non_text():
    sheet, ctx = context("inf264-ex4", {"best_feature": "X1"})
    assert run_check(check_of(sheet, "best_feature"), ctx).status == "failed"
    sheet, ctx = context("inf264-ex4", {"best_feature": 12})
    assert "expected text" in run_check(check_of(sheet, "best_feature"), ctx).message
    assert normalize_choice(" Soft-Max ") == "softmax"


def test_function_check_counts_probes_and_hides_hidden_inputs():
    sheet = load_sheet("inf264-ex4")
    spec = check_of(sheet, "forward_backward")
    expected = load_lock(sheet).decoded()[1]["forward_backward"]
    results = [ProbeResult(value=e) for e in expected]
    results[-1] = ProbeResult(error="ZeroDivisionError: division by zero")
    _, ctx = context("inf264-ex4", {}, {"forward_backward": results})
    outcome = run_check(spec, ctx)
    assert outcome.status == "failed" and outcome.details.probes_passed == len(expected) - 1
    assert "hidden probe #8 raised ZeroDivisionError" in outcome.message


def test_function_check_shows_visible_inputs():
    sheet = load_sheet("inf264-ex4")
    expected = load_lock(sheet).decoded()[1]["forward_backward"]
    wrong = dict(expected[0], dL_dw1=1.0)
    results = [ProbeResult(value=wrong)] + [ProbeResult(value=e) for e in expected[1:]]
    _, ctx = context("inf264-ex4", {}, {"forward_backward": results})
    outcome = run_check(check_of(sheet, "forward_backward"), ctx)
    assert "forward_backward(1, 5, 3, 2, 0.1)" in outcome.message and "['dL_dw1']" in outcome.message


def test_missing_function():
    sheet, ctx = context("inf264-ex4", {})
    assert run_check(check_of(sheet, "forward_backward"), ctx).status == "error"


def test_manual_is_pending():
    sheet, ctx = context("inf264-ex4", {})
    outcome = run_check(check_of(sheet, "1.1-a-to-e"), ctx)
    assert outcome.status == "pending" and outcome.credit == 0 and "TA" in outcome.message


def test_a_missing_answer_that_a_cell_removed_names_that_cell():
    import dataclasses

    sheet, ctx = context("waterloo-a2-1", {}, run_problem="Cell 2 raised an error; see the run log below.")
    outcome = run_check(check_of(sheet, "h"), dataclasses.replace(ctx, removed={"h": 4}))
    assert outcome.status == "error" and "cell 5 removed it" in outcome.message
    assert "Cell 2 raised" not in outcome.message  # the run's errors are not why it is missing
