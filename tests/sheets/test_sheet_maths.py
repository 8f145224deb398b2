"""The maths behind the sheets' references, checked independently of the references' code."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.probes import probe_inputs
from grader.sheet import load_sheet
from grader.sheet.kinds import FunctionCheck
from grader.sheet.lock import load_lock


def _function(sheet, name):
    return next(c for _, c in sheet.spec.checks() if isinstance(c, FunctionCheck) and c.answer == name)


def test_statphys_dC_db1_agrees_with_finite_differences_of_the_cost():
    sheet = load_sheet("statphys-1")
    cost = sheet.derive["cost"]
    _, outputs = load_lock(sheet).decoded()
    h = 1e-4
    for probe, got in zip(probe_inputs(_function(sheet, "dC_db1")), outputs["dC_db1"], strict=True):
        x, a, w, b = probe.args
        up, down = np.array(b, dtype=float), np.array(b, dtype=float)
        up[0] += h
        down[0] -= h
        assert got == pytest.approx((cost(x, a, w, up) - cost(x, a, w, down)) / (2 * h), rel=1e-4, abs=1e-8)


def test_statphys_width_bound_maximum_is_the_printed_one():
    expected, _ = load_lock(load_sheet("statphys-1")).decoded()
    assert expected["w_star"] == pytest.approx(6.9, abs=0.01)
    assert expected["width_max"] == pytest.approx(0.45, abs=0.003)


def test_kiel_backprop_step_matches_the_hand_computed_update():
    expected, _ = load_lock(load_sheet("kiel-lab4")).decoded()
    # By hand: ŷ = (2, −3), δ2 = 2(ŷ − y) = (2, −4); only units 3 and 4 are active where it matters.
    assert np.asarray(expected["Y_hat"]).tolist() == [2.0, -3.0]
    assert np.allclose(expected["W2_new"], [[1.0, 1.0, -0.6, 1.6]])
    assert np.allclose(expected["b1_new"], [-2.0, 2.0, -0.4, -2.4])
    assert expected["b2_new"] == pytest.approx(-1.8)
    assert np.allclose(expected["W1_new"], [[1, 2], [0, -1], [-1.8, -2.6], [-1.6, 1.6]])


@pytest.mark.slow
def test_sheet6_batchnorm_reference_matches_a_keras_layer_in_training_mode():
    keras = pytest.importorskip("keras")
    sheet = load_sheet("sheet6-ffnn")
    _, outputs = load_lock(sheet).decoded()
    for probe, got in zip(probe_inputs(_function(sheet, "batchnorm_forward")), outputs["batchnorm_forward"],
                          strict=False):
        x, gamma, beta = (np.asarray(a, dtype="float32") for a in probe.args)
        layer = keras.layers.BatchNormalization(epsilon=1e-5)
        layer.build(x.shape)
        layer.set_weights([gamma, beta, np.zeros_like(gamma), np.ones_like(gamma)])
        keras_out = np.asarray(layer(x, training=True))
        assert np.allclose(got[0], keras_out, rtol=1e-4, atol=1e-5)
