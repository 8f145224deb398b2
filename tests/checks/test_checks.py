"""Each check kind against the real sheets and their locks, with hand-made student answers."""

import numpy as np
import pytest

from grader.checks import Context, ProbeResult, run_check
from grader.checks.choice import normalize_choice
from grader.harness.wire import Unsupported
from grader.sheet import load_sheet
from grader.sheet.lock import load_lock


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


def test_a_failing_hidden_probe_reveals_nothing_of_its_input_or_values():
    """Its number and failed / timed out / raised <built-in name> only: resubmitting must not
    collect the hidden cases (no input, expected or returned value, no exception text)."""
    sheet = load_sheet("inf264-ex4")
    expected = load_lock(sheet).decoded()[1]["forward_backward"]
    results = [ProbeResult(value=e) for e in expected]
    results[1] = ProbeResult(value=dict(expected[1], dL_dw1=123456.0))
    results[2] = ProbeResult(error="ValueError: the input was 2.0, -1.0")
    results[3] = ProbeResult(error="Leak_2_0_m1_0: custom")  # a class name can carry data
    results[4] = ProbeResult(error="timed out after 2 s")
    _, ctx = context("inf264-ex4", {}, {"forward_backward": results})
    outcome = run_check(check_of(sheet, "forward_backward"), ctx)
    text = outcome.message + outcome.details.model_dump_json()
    assert "hidden probe #2 failed" in outcome.message
    for leak in ("123456", "2.0", "Leak", "the input", str(expected[1]["dL_dw1"])):
        assert leak not in text, leak
    assert outcome.details.got is None and outcome.details.expected is None
    _, ctx = context("inf264-ex4", {}, {"forward_backward": [ProbeResult(value=e) for e in expected[:2]]
                                        + results[2:5] + [ProbeResult(value=e) for e in expected[5:]]})
    messages = [run_check(check_of(sheet, "forward_backward"), ctx).message]
    assert "hidden probe #3 raised ValueError" in messages[0]


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


ONE_ELEMENT = "a one-element array for a number"


def test_one_element_arrays_earn_the_point_and_say_so():
    sheet, ctx = context("inf264-ex4", {"dL_dw2": np.array([3.0]), "y_hat": [[6.0]], "z": np.array([3.5])})
    for name in ("dL_dw2", "y_hat"):
        outcome = run_check(check_of(sheet, name), ctx)
        assert outcome.status == "passed" and outcome.details.matched == ONE_ELEMENT
        assert f"(accepted convention: {ONE_ELEMENT})" in outcome.message
    wrong = run_check(check_of(sheet, "z"), ctx)
    assert wrong.status == "failed" and "`z`: got 3.5, expected 3 (" in wrong.message


def test_shape_exact_on_the_check_or_the_sheet_refuses_them():
    import dataclasses

    sheet, ctx = context("inf264-ex4", {"dL_dw2": np.array([3.0])})
    exact = check_of(sheet, "dL_dw2").model_copy(update={"shape": "exact"})
    outcome = run_check(exact, ctx)
    assert outcome.status == "failed" and "reshape to ()" in outcome.details.hint
    strict = dataclasses.replace(ctx, sheet=dataclasses.replace(
        sheet, spec=sheet.spec.model_copy(update={"shape": "exact"})))
    assert run_check(check_of(sheet, "dL_dw2"), strict).status == "failed"
    lenient = exact.model_copy(update={"shape": "lenient"})  # the check overrides the sheet
    assert run_check(lenient, strict).status == "passed"


def test_an_alternative_and_a_one_element_array_are_both_named():
    import dataclasses

    sheet, ctx = context("kiel-lab4", {})
    spec = check_of(sheet, "b2_new")
    half_sse = ctx.derive(spec.alternatives[0].derive, ctx.expected)  # a float, like the reference's
    outcome = run_check(spec, dataclasses.replace(ctx, answers={"b2_new": np.array([half_sse])}))
    assert outcome.status == "passed"
    assert outcome.details.matched == f"½·SSE (gradient halved); {ONE_ELEMENT}"


def test_function_outputs_holding_one_element_arrays_pass_with_the_note():
    sheet = load_sheet("inf264-ex4")
    expected = load_lock(sheet).decoded()[1]["forward_backward"]
    results = [ProbeResult(value={k: np.array([v]) for k, v in e.items()}) for e in expected]
    _, ctx = context("inf264-ex4", {}, {"forward_backward": results})
    spec = check_of(sheet, "forward_backward")
    outcome = run_check(spec, ctx)
    assert outcome.status == "passed" and outcome.details.matched == ONE_ELEMENT
    assert ONE_ELEMENT in outcome.message
    refused = run_check(spec.model_copy(update={"shape": "exact"}), ctx)
    assert refused.status == "failed" and refused.details.probes_passed == 0
    assert "forward_backward(1, 5, 3, 2, 0.1)" in refused.message and "reshape to ()" in refused.message


TF_STYLE = '''# %%
import numpy as np
H1_size, H2_size = 3, 2
W1_shape, W2_shape, W3_shape = (3, 2), (2, 3), (1, 2)
model_is_linear = True
baseline_accuracy = 0.5
best_feature = "X1X2"
# %%
x, y, w1, w2, lr = 1.0, 5.0, 3.0, 2.0, 0.1
z = np.array([w1 * x])
h = np.maximum(z, 0.0)
dL_dw1 = float((w2 * h[0] - y) * w2 * x)
dL_dw2 = np.array([3.0])
w1_new, w2_new = w1 - lr * dL_dw1, w2 - lr * dL_dw2
y_hat = [[6.0]]  # what model.predict returns for one input
# %%
def forward_backward(x, y, w1, w2, lr):
    z = np.array([w1 * x])
    h = np.maximum(z, 0.0)
    g = w2 * h - y
    d1, d2 = g * w2 * (z > 0) * x, g * h
    return dict(z=z, h=h, y_hat=(w2 * h).reshape(1, 1), dL_dw1=d1, dL_dw2=d2,
                w1_new=w1 - lr * d1, w2_new=w2 - lr * d2)
'''


@pytest.mark.runs_code
def test_a_tensorflow_style_script_earns_every_point_and_is_told_why(tmp_path):
    from grader.grading.batch import grade_batch
    from grader.sandbox.process import ProcessRunner

    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "tina.py").write_text(TF_STYLE)
    result = grade_batch(load_sheet("inf264-ex4"), tmp_path / "subs", tmp_path / "out", ProcessRunner())
    report = result.reports[0]
    checks = {c.answer: c for t in report.tasks for c in t.checks if c.kind != "manual"}
    assert all(c.status == "passed" for c in checks.values()), [c.message for c in checks.values()]
    for name in ("z", "h", "y_hat", "dL_dw2", "w2_new", "forward_backward"):
        assert checks[name].details.matched == ONE_ELEMENT, name
    assert checks["dL_dw1"].details.matched is None and checks["W1_shape"].details.matched
    assert checks["y_hat"].message == f"`y_hat` = [[6]] is correct (accepted convention: {ONE_ELEMENT})."
    assert checks["dL_dw2"].message == f"`dL_dw2` = [3.] is correct (accepted convention: {ONE_ELEMENT})."
    feedback = (tmp_path / "out" / "tina" / "feedback.md").read_text().splitlines()
    for name in ("y_hat", "dL_dw2"):
        assert any(line.startswith(f"- **✔ passed** `{name}`") and ONE_ELEMENT in line for line in feedback)
