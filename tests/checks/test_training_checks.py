"""range, model, consistency, plot and finite_difference checks on hand-made contexts."""

from __future__ import annotations

import numpy as np
import pytest

from grader.calibration import CalibrationRecord, Stat
from grader.checks import Context, ProbeResult, run_check
from grader.lock import load_lock
from grader.metrics import accuracy, mse
from grader.probes import fd_offset, probe_plan
from grader.sheet import load_sheet
from grader.spec import Calibration, FiniteDifferenceCheck


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
    perfect = {"eckerle_model": [ProbeResult(targets.reshape(-1, 1))]}
    sheet, ctx = ctx_for("kiel-lab4", predictions=perfect, calibration=cal)
    assert run_check(check(sheet, "model", "eckerle_model"), ctx).status == "passed"
    lying = {"eckerle_model": [ProbeResult(None, "AttributeError: no predict")]}
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
