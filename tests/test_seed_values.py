"""The locked reference answers agree with the numbers printed in the seed documents.

Seed 002 (INF264 solutions) prints exact values. Seed 004 is a student's answer sheet: only the
values that student got right are used here, at their printed 4 significant digits.
"""

import numpy as np
import pytest

from grader.sheet import load_sheet
from grader.sheet.lock import load_lock


def locked(sheet_id):
    return load_lock(load_sheet(sheet_id)).decoded()[0]


def test_inf264_matches_seed_002():
    a = locked("inf264-ex4")
    printed = {"z": 3, "h": 3, "y_hat": 6, "dL_dw1": 2, "dL_dw2": 3, "w1_new": 2.8, "w2_new": 1.7,
               "H1_size": 3, "H2_size": 2, "baseline_accuracy": 0.5}
    for name, value in printed.items():
        assert a[name] == pytest.approx(value), name
    assert (a["W1_shape"], a["W2_shape"], a["W3_shape"]) == ((3, 2), (2, 3), (1, 2))
    assert a["model_is_linear"] is True and a["best_feature"] == "X1X2"


def test_waterloo_matches_what_seed_004_got_right():
    a = locked("waterloo-a2-1")
    assert a["h"][1] == pytest.approx(0.9959, rel=1e-3)       # σ(5.5)
    assert a["h"][0] == pytest.approx(0.8176, rel=1e-3)       # σ(1.5), used in the seed's question 4
    assert a["y"] == pytest.approx(0.5998, rel=1e-3)
    assert a["loss"] == pytest.approx(0.08008, rel=1e-3)
    assert a["dL_db3"] == pytest.approx(-0.09606, rel=1e-3)   # z̄₂
    assert np.allclose(a["dL_dw"], [-0.07854, -0.09567], rtol=1e-3)
    assert a["w_new"][1] == pytest.approx(1.009567, rel=1e-5)  # the seed's w_j2'
    assert a["y_relu"] == pytest.approx(0.9948, rel=1e-3)      # σ(5.25)
