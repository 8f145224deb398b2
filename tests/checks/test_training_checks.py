"""range, model, consistency, plot and finite_difference checks on hand-made contexts."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks import Context, ProbeResult, run_check
from grader.checks.metrics import accuracy, mse
from grader.checks.probes import fd_offset, probe_plan
from grader.harness.wire import Unsupported
from grader.sheet import load_sheet
from grader.sheet.calibration import CalibrationRecord, Stat
from grader.sheet.kinds import FiniteDifferenceCheck
from grader.sheet.lock import load_lock
from grader.sheet.training import Calibration


def ctx_for(sheet_id, answers=None, *, probes=None, predictions=None, figures=(), calibration=None):
    sheet = load_sheet(sheet_id)
    expected, expected_probes = load_lock(sheet).decoded()
    return sheet, Context(sheet=sheet, answers=answers or {}, probes=probes or {}, expected=expected,
                          expected_probes=expected_probes, predictions=predictions or {},
                          figures=figures, calibration=calibration)


def check(sheet, kind, answer, key=None):
    return next(c for _, c in sheet.spec.checks() if c.kind == kind and c.answer == answer
                and (key is None or getattr(c, "key", None) == key))


def record(**values):
    rule = Calibration(runs=3, sigmas=2, margin=0.01, side="lower")
    return CalibrationRecord(dataset="test", seeds=[0, 1, 2], environment={},
                             stats={k: Stat.of(v, rule) for k, v in values.items()})


def test_stat_interval_covers_mean_sigmas_min_max_and_margin():
    stat = Stat.of([0.8, 0.9, 1.0], Calibration(runs=3, sigmas=1, margin=0.05, side="both"))
    assert stat.mean == pytest.approx(0.9) and stat.std == pytest.approx(0.1)
    assert stat.low == pytest.approx(0.75) and stat.high == pytest.approx(1.05)
    assert Stat.of([1, 2], Calibration(side="upper")).low is None


def test_range_reports_value_interval_and_its_source():
    cal = record(**{"mean_of(val_accs_30)": [0.88, 0.885, 0.89]})
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": [0.5] * 10}, calibration=cal)
    out = run_check(check(sheet, "range", "val_accs_30"), ctx)
    assert out.status == "failed"
    assert "= 0.5 is below the accepted range ≥ 0.865" in out.message
    assert "calibrated from 3 reference runs: mean 0.885" in out.message
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": [0.9] * 10}, calibration=cal)
    assert run_check(check(sheet, "range", "val_accs_30"), ctx).status == "passed"


def test_range_without_calibration_is_a_staff_error_not_the_students():
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": [0.9] * 10}, calibration=None)
    out = run_check(check(sheet, "range", "val_accs_30"), ctx)
    assert out.status == "error" and "grader calibrate" in out.message and "Not your fault" in out.message


def test_stated_bound_needs_no_calibration_and_rejects_non_numbers():
    sheet, ctx = ctx_for("kiel-lab4", {"acc_sigmoid_6": 0.1135})
    assert run_check(check(sheet, "range", "acc_sigmoid_6"), ctx).status == "passed"
    sheet, ctx = ctx_for("kiel-lab4", {"acc_sigmoid_6": "0.11"})
    out = run_check(check(sheet, "range", "acc_sigmoid_6"), ctx)
    assert out.status == "error" and "str, not a number" in out.message


def test_model_metric_is_computed_by_the_grader():
    sheet = load_sheet("kiel-lab4")
    targets = sheet.derive["eckerle_eval_targets"]()
    cal = record(**{"mse(eckerle_model)": [0.0002, 0.0004, 0.0003]})
    keras = {"keras": True, "class": "Sequential", "trainable_params": 2}  # what the harness called
    perfect = {"eckerle_model": [ProbeResult(targets.reshape(-1, 1), model=keras)]}
    sheet, ctx = ctx_for("kiel-lab4", predictions=perfect, calibration=cal)
    assert run_check(check(sheet, "model", "eckerle_model"), ctx).status == "passed"
    lying = {"eckerle_model": [ProbeResult(None, "AttributeError: no predict", model=keras)]}
    sheet, ctx = ctx_for("kiel-lab4", predictions=lying, calibration=cal)
    assert "cannot be judged" in run_check(check(sheet, "model", "eckerle_model"), ctx).message


def test_metrics():
    assert mse([[1.0], [2.0]], [1.0, 4.0]) == 2.0
    assert accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1]) == 0.5
    with pytest.raises(ValueError, match="NaN"):
        mse([np.nan], [1.0])


def test_consistency_names_the_matching_convention():
    runs = [0.88, 0.89, 0.9]
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": runs, "val_acc_std": float(np.std(runs))})
    out = run_check(check(sheet, "consistency", "val_acc_std"), ctx)
    assert out.status == "passed" and "ddof=0" in out.details.matched
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": runs, "val_acc_mean": 0.95})
    out = run_check(check(sheet, "consistency", "val_acc_mean"), ctx)
    assert out.status == "failed" and "got 0.95, expected 0.89" in out.message


def _figure(x, y, xlabel="hidden", ylabel="accuracy"):
    return {"title": "", "axes": [{"title": "", "xlabel": xlabel, "ylabel": ylabel,
                                   "series": [{"type": "bar", "label": "", "x": x, "y": y}]}]}


def test_plot_accepts_a_categorical_axis_and_unsorted_points():
    accs = {10: 0.8, 20: 0.85, 300: 0.9}
    for figure in (_figure([0, 1, 2], [0.8, 0.85, 0.9]), _figure([300, 10, 20], [0.9, 0.8, 0.85])):
        sheet, ctx = ctx_for("statphys-1", {"val_acc_by_hidden": accs}, figures=[figure])
        out = run_check(check(sheet, "plot", "plot-accuracy-vs-hidden-size"), ctx)
        assert out.status == "passed", out.message


def test_plot_failure_says_what_was_drawn_and_what_was_expected():
    sheet, ctx = ctx_for("statphys-1", {"val_acc_by_hidden": {10: 0.8}}, figures=[_figure([0], [0.5])])
    out = run_check(check(sheet, "plot", "plot-accuracy-vs-hidden-size"), ctx)
    assert out.status == "failed" and "1 figure(s) with 1 data series" in out.message
    sheet, ctx = ctx_for("statphys-1", {"val_acc_by_hidden": {10: 0.8}})
    assert "No matplotlib figure was drawn" in run_check(check(sheet, "plot", "plot-accuracy-vs-hidden-size"),
                                                          ctx).message


def _fd_context(derivative, forward=np.tanh):
    """Probe results as the harness would return them for the sheet's plan, from plain numpy."""
    sheet = load_sheet("sheet6-ffnn")
    plan = probe_plan(sheet.spec)
    probes = {"tanh_from_sigmoid": [ProbeResult(forward(np.asarray(p.args[0])))
                                    for p in plan["tanh_from_sigmoid"]],
              "dtanh": [ProbeResult(derivative(np.asarray(p.args[0]))) for p in plan["dtanh"]]}
    return ctx_for("sheet6-ffnn", probes=probes)


def test_finite_differences_of_the_students_own_forward():
    sheet, ctx = _fd_context(lambda x: 1 - np.tanh(x) ** 2)
    fd = check(sheet, "finite_difference", "dtanh")
    assert isinstance(fd, FiniteDifferenceCheck) and fd_offset(sheet.spec, fd) == 4
    assert run_check(fd, ctx).status == "passed"
    sheet, ctx = _fd_context(lambda x: 1 - np.tanh(x))
    out = run_check(fd, ctx)
    assert out.status == "failed" and "not the derivative of your own `tanh_from_sigmoid`" in out.message


def test_choice_judges_dict_items_and_tuples():
    answer = {"a": ("Logistic", "log-loss"), "b": ("softmax", "MSE")}
    sheet, ctx = ctx_for("sheet6-ffnn", {"output_and_loss": answer})
    assert run_check(check(sheet, "choice", "output_and_loss", "a"), ctx).status == "passed"
    out = run_check(check(sheet, "choice", "output_and_loss", "b"), ctx)
    assert out.status == "failed" and "item 2, 'MSE', is not accepted" in out.message
    assert "has no key 'c'" in run_check(check(sheet, "choice", "output_and_loss", "c"), ctx).message


def test_a_malformed_answer_is_not_reported_as_missing():
    cal = record(**{"best_val_acc(mnist_results)": [0.89, 0.9, 0.91]})
    sheet, ctx = ctx_for("kiel-lab4", {"mnist_results": [{"solver": "SGD"}]}, calibration=cal)
    out = run_check(check(sheet, "range", "mnist_results"), ctx)
    assert out.status == "error" and "cannot be judged: KeyError: 'val_acc_mean'" in out.message
    sheet, ctx = ctx_for("kiel-lab4", {}, calibration=cal)
    assert "`mnist_results` is not defined" in run_check(check(sheet, "range", "mnist_results"), ctx).message


def test_finite_differences_of_an_unsupported_forward_fail_naming_the_type():
    sheet, ctx = _fd_context(lambda x: 1 - np.tanh(x) ** 2, forward=lambda x: Unsupported("numpy.matrix"))
    out = run_check(check(sheet, "finite_difference", "dtanh"), ctx)
    assert out.status == "failed"
    assert ("`tanh_from_sigmoid` returned an object of unsupported type numpy.matrix, not numbers"
            in out.message)
    assert "return a plain numpy array" in out.message


def test_finite_differences_of_a_forward_of_another_shape_say_both_shapes():
    sheet, ctx = _fd_context(lambda x: 1 - np.tanh(x) ** 2, forward=lambda x: np.tanh(x)[None, :])
    out = run_check(check(sheet, "finite_difference", "dtanh"), ctx)
    assert out.status == "failed"
    assert "returned shape (1, 7), expected (7,) (the shape of its input)" in out.message


@pytest.mark.parametrize("derivative", [lambda x: "0.5", lambda x: [[1, 2], [3]], lambda x: 10.0 ** 300])
def test_finite_differences_against_a_malformed_derivative_fail_cleanly(derivative):
    sheet, ctx = _fd_context(derivative)
    out = run_check(check(sheet, "finite_difference", "dtanh"), ctx)
    assert out.status == "failed" and "against central differences" in out.message


def test_finite_differences_with_calls_lost_fail_cleanly():
    sheet, ctx = _fd_context(lambda x: 1 - np.tanh(x) ** 2)
    fd = check(sheet, "finite_difference", "dtanh")
    probes = {**ctx.probes, "tanh_from_sigmoid": ctx.probes["tanh_from_sigmoid"][:5]}
    out = run_check(fd, Context(**{**ctx.__dict__, "probes": probes}))
    assert out.status == "failed" and "only 1 of the 2 calls of `tanh_from_sigmoid` came back" in out.message


def _batchnorm(x, gamma, beta, transpose=False):
    x = np.asarray(x, dtype=float)
    out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5) + beta
    return out.T if transpose else out


def test_finite_differences_of_a_transposed_batchnorm_say_the_shapes():
    sheet = load_sheet("sheet6-ffnn")
    plan = probe_plan(sheet.spec)
    forward = [ProbeResult(_batchnorm(*p.args, transpose=True)) for p in plan["batchnorm_forward"]]
    backward = [ProbeResult((np.zeros((4, 3)), np.zeros(3), np.zeros(3)))
                for _ in plan["batchnorm_backward"]]
    sheet, ctx = ctx_for("sheet6-ffnn", probes={"batchnorm_forward": forward, "batchnorm_backward": backward})
    out = run_check(check(sheet, "finite_difference", "batchnorm_backward"), ctx)
    assert out.status == "failed"
    assert "`batchnorm_forward` returned shape (3, 4), expected (4, 3) (the shape of dout)" in out.message


_PLOT = "plot-accuracy-vs-hidden-size"
_GOOD = _figure([10, 20], [0.8, 0.85])


@pytest.mark.parametrize(("figures", "where"), [
    ([_GOOD, 3], "figure 2: Input should be a valid dictionary"),
    ([_GOOD, "a figure"], "figure 2: Input should be a valid dictionary"),
    ([[1, [2, [3]]]], "figure 1: Input should be a valid dictionary"),
    ([{"axes": []}], "figure 1, title: Field required"),
    ([{"title": "", "axes": [{"title": "", "xlabel": "", "ylabel": "", "series": [
        {"type": "bar", "label": "", "x": [0, "1"], "y": [0.8, 0.85]}]}]}],
     "figure 1, axes 1, series 1, x[1]: Input should be a valid number (got a str)"),
    ([{"title": "", "axes": {"series": []}}], "figure 1, axes: Input should be a valid list"),
    ([_GOOD] * 51, "51 figures, more than the harness records (50)"),
])
def test_plot_of_an_unreadable_payload_is_an_error_not_an_exception(figures, where):
    sheet, ctx = ctx_for("statphys-1", {"val_acc_by_hidden": {10: 0.8, 20: 0.85}}, figures=figures)
    out = run_check(check(sheet, "plot", _PLOT), ctx)
    assert out.status == "error"
    assert f"the figures the run recorded cannot be read: {where}" in out.message


def test_plot_still_passes_with_unplottable_points_recorded_as_none():
    figure = _figure([10, 20, 30], [0.8, 0.85, None])
    sheet, ctx = ctx_for("statphys-1", {"val_acc_by_hidden": {10: 0.8, 20: 0.85}},
                         figures=[figure, _GOOD])
    assert run_check(check(sheet, "plot", _PLOT), ctx).status == "passed"


@pytest.mark.parametrize(("runs", "says"), [
    (["a", "b"], "ValueError: could not convert string to float: 'a'"),
    ([0.5, float("nan")], "they give nan (the mean of your runs)"),
    ([float("inf"), 1.0], "they give inf"),
    ([1e308, 1e308], "they give inf"),
    ([[0.5, 0.6], [0.7]], "ValueError: setting an array element with a sequence"),
    ({"a": 1}, "TypeError: float() argument must be"),
    ([{"x": 1}], "TypeError: float() argument must be"),
    (None, "`val_accs_30` is None, not data"),
    (Unsupported("numpy.matrix"), "`val_accs_30` is an object of unsupported type numpy.matrix"),
])
def test_consistency_with_malformed_runs_says_why(runs, says):
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": runs, "val_acc_mean": 0.9})
    out = run_check(check(sheet, "consistency", "val_acc_mean"), ctx)
    assert out.status == "error" and "cannot be checked against `val_accs_30`" in out.message
    assert says in out.message


@pytest.mark.parametrize("mean", [[0.9, 0.9], {"m": 0.9}, float("nan"), 10 ** 300, 10 ** 400, "0.9"])
def test_consistency_with_a_malformed_answer_fails(mean):
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": [0.88, 0.9], "val_acc_mean": mean})
    out = run_check(check(sheet, "consistency", "val_acc_mean"), ctx)
    assert out.status == "failed" and "does not agree with your own `val_accs_30`" in out.message


@pytest.mark.parametrize(("runs", "says"), [
    (None, "`val_accs_30` is None, not data"),
    ([0.5, "x"], "ValueError: could not convert string to float"),
    (10 ** 400, "OverflowError"),
])
def test_plot_with_malformed_answers_cannot_tell_what_to_show(runs, says):
    sheet, ctx = ctx_for("statphys-1", {"val_accs_30": runs}, figures=[_GOOD])
    out = run_check(check(sheet, "plot", "plot-accuracy-per-run"), ctx)
    assert out.status == "error" and "cannot tell what the plot should show" in out.message
    assert says in out.message


KEY_10 = "acc_hidden_10(val_acc_by_hidden)"
SGD_SIGMOID = {"optimizer": "sgd", "learning_rate": 0.1, "activations": ["sigmoid"], "batch_size": 64,
               "epochs": 5, "validation": "split", "input_dim": 784}


def families_record(default, **families):
    rule = Calibration(runs=3, sigmas=2, margin=0.01, side="lower")
    return CalibrationRecord(dataset="test", seeds=[0, 1, 2], environment={},
                             stats={KEY_10: Stat.of(default, rule)},
                             families={name: {KEY_10: Stat.of(v, rule)} for name, v in families.items()})


def judge_10(value, training):
    cal = families_record([0.85, 0.86, 0.87], **{"sgd-sigmoid": [0.69, 0.70, 0.71],
                                                 "adam-tanh": [0.80, 0.81, 0.82]})
    sheet, ctx = ctx_for("statphys-1", {"val_acc_by_hidden": {10: value}}, calibration=cal)
    ctx = Context(**{**ctx.__dict__, "training": training})
    return run_check(check(sheet, "range", "val_acc_by_hidden", KEY_10), ctx)


def test_range_uses_the_family_the_student_trained():
    out = judge_10(0.695, [SGD_SIGMOID] * 6)
    assert out.status == "passed" and "calibrated for SGD (lr 0.1) + sigmoid, batch 64: 3 reference runs" \
        in out.message and "your configuration (6 `fit` calls, most often sgd (lr 0.1) + sigmoid" \
        in out.message
    out = judge_10(0.6, [SGD_SIGMOID])
    assert out.status == "failed" and "below the accepted range ≥ 0.67" in out.message


def test_range_without_fit_records_says_so_and_uses_the_default_family():
    out = judge_10(0.695, [])
    assert out.status == "failed" and "no `fit` call of yours was recorded" in out.message
    assert "Adam (lr 0.001) + ReLU, batch 32" in out.message and "≥ 0.83" in out.message


def test_range_outside_the_choices_is_judged_against_the_stated_fallback():
    big_batch = {**SGD_SIGMOID, "batch_size": 1000}
    out = judge_10(0.6, [big_batch])
    assert out.status == "passed" and "outside what the sheet calibrates (batch size 1000" in out.message
    assert "accepted range ≥ 0.5" in out.message and "bound the sheet states" in out.message
    out = judge_10(0.3, [{**SGD_SIGMOID, "optimizer": "adagrad"}])
    assert out.status == "failed" and "optimizer adagrad" in out.message and "≥ 0.5" in out.message


def test_range_of_a_configuration_between_families_never_fails_against_the_nearest():
    adam_sigmoid = {**SGD_SIGMOID, "optimizer": "adam", "learning_rate": 0.001, "batch_size": 32}
    out = judge_10(0.9, [adam_sigmoid])  # nearest: the reference's family (optimizer, batch size)
    assert out.status == "passed" and "matches no calibrated family exactly; nearest: calibrated for " \
        "Adam (lr 0.001) + ReLU" in out.message
    out = judge_10(0.7, [adam_sigmoid])
    assert out.status == "passed" and "accepted range ≥ 0.5" in out.message
    assert "nearest family, calibrated for Adam (lr 0.001) + ReLU" in out.message


def test_fit_records_on_other_inputs_or_malformed_are_ignored():
    out = judge_10(0.695, [{**SGD_SIGMOID, "input_dim": 1}, {"optimizer": ["not", "text"]},
                           {**SGD_SIGMOID, "batch_size": 0}, {**SGD_SIGMOID, "learning_rate": -1.0}])
    assert "no `fit` call of yours was recorded" in out.message


def test_sheet_training_choices_are_validated():
    from grader.sheet.spec import SheetSpec
    from grader.sheet.training import Training
    family = {"name": "f", "label": "F", "optimizer": "sgd", "learning_rate": 5.0, "activation": "relu",
              "batch_size": 32}
    choices = {"optimizers": {"sgd": {"low": 0.01, "high": 1.0}}, "activations": ["relu"],
               "batch_sizes": [32], "validation": ["data"]}
    with pytest.raises(ValueError, match=r"learning rate 5\.0 is outside the accepted rates of sgd"):
        Training.model_validate({"name": "t", "choices": choices, "families": [family]})
    with pytest.raises(ValueError, match="outside the sheet's choices"):
        Training.model_validate({"name": "t", "choices": choices,
                                 "families": [{**family, "learning_rate": 0.1, "activation": "tanh"}]})
    spec = load_sheet("statphys-1").spec.model_dump(exclude_none=True)
    spec["tasks"][4]["checks"][1].pop("fallback")
    with pytest.raises(ValueError, match="states its fallback bound, and only it"):
        SheetSpec.model_validate(spec)
    spec["tasks"][4]["checks"][1]["fallback"] = {"low": 0.5}
    spec["tasks"][4]["checks"][1]["training"] = "elsewhere"
    with pytest.raises(ValueError, match=r"name a training the sheet does not declare: \['acc_hidden_10"):
        SheetSpec.model_validate(spec)
