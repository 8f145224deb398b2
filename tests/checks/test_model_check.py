"""The ``model`` check judges a trained Keras model: the harness refuses anything else, the check
says what it was given and, for a model, what was judged (class, layers, parameters)."""

from __future__ import annotations

import sys
import types
from typing import ClassVar

import numpy as np
import pytest

from grader.checks import ProbeResult, run_check
from grader.harness import extract, wire
from grader.sheet.calibration import CalibrationRecord, Stat
from grader.sheet.training import Calibration
from tests.checks.test_training_checks import check, ctx_for

SEQUENTIAL = {"keras": True, "class": "Sequential", "n_layers": 2, "trainable_params": 49,
              "layers": [{"name": "dense", "class": "Dense", "units": 16},
                         {"name": "dense_1", "class": "Dense", "units": 1}]}
CALIBRATION = CalibrationRecord(dataset="test", seeds=[0, 1, 2], environment={}, stats={
    "mse(eckerle_model)": Stat.of([0.0002, 0.0004, 0.0003], Calibration(runs=3, sigmas=2, side="upper"))})


def judge(*results):
    sheet, ctx = ctx_for("kiel-lab4", predictions={"eckerle_model": list(results)}, calibration=CALIBRATION)
    return run_check(check(sheet, "model", "eckerle_model"), ctx)


def targets():
    return ctx_for("kiel-lab4")[0].derive["eckerle_eval_targets"]().reshape(-1, 1)


# --- the check, on hand-made results ------------------------------------------------------------

def test_a_trained_keras_model_is_judged_and_described():
    out = judge(ProbeResult(targets(), model=SEQUENTIAL))
    assert out.status == "passed" and out.credit == 1.0
    assert "lies in the accepted range" in out.message
    assert out.message.endswith("Judged: `Sequential` with 2 layers (`dense` Dense(16); `dense_1` Dense(1)), "
                                "49 trainable parameters.")
    bad = judge(ProbeResult(targets() + 1.0, model=SEQUENTIAL))
    assert bad.status == "failed" and "above the accepted range" in bad.message
    assert "`Sequential`" in bad.message


@pytest.mark.parametrize(("kind", "shown"), [("function", "`function`"), ("ndarray", "`ndarray`"),
                                             ("Interp`olator", "`Interp'olator`")])
def test_anything_but_a_keras_model_fails_saying_what_it_is(kind, shown):
    refused = {"keras": False, "class": kind}
    out = judge(ProbeResult(None, f"it is of type {kind}, not a Keras model", model=refused))
    assert out.status == "failed" and out.credit == 0.0
    assert out.message == (f"`eckerle_model` is of type {shown}, not a trained Keras model: "
                           "build it with keras and fit it.")


def test_a_keras_model_without_trainable_weights_fails():
    frozen = {**SEQUENTIAL, "trainable_params": 0, "layers": [], "n_layers": 0}
    out = judge(ProbeResult(None, "it has no trainable weights", model=frozen))
    assert out.status == "failed" and "Keras model with no trainable weights" in out.message
    assert "Judged: `Sequential` with 0 layers (none listed), 0 trainable parameters." in out.message


@pytest.mark.parametrize("model", [None, {"keras": "maybe"}, {"class": "Sequential"}, {"keras": True}])
def test_a_missing_or_malformed_description_identifies_nothing(model):
    out = judge(ProbeResult(targets(), model=model))
    assert out.status == "failed"
    assert "is something the grader could not identify, not a trained Keras model" in out.message


def test_a_model_whose_call_raised_cannot_be_judged_and_is_still_described():
    out = judge(ProbeResult(None, "ValueError: expected shape (None, 3)", model=SEQUENTIAL))
    assert out.status == "error" and "cannot be judged: calling `eckerle_model` on the grader's inputs " \
        "raised ValueError: expected shape (None, 3)" in out.message
    assert "49 trainable parameters" in out.message


def test_long_models_are_cut_and_backticks_cannot_break_the_feedback():
    many = {**SEQUENTIAL, "n_layers": 103, "trainable_params": 1,
            "layers": [{"name": "a`b", "class": "Dense", "units": None}]}
    out = judge(ProbeResult(targets(), model=many))
    assert "(`a'b` Dense; … 102 more), 1 trainable parameter." in out.message


def test_an_undefined_model_is_reported_missing():
    sheet, ctx = ctx_for("kiel-lab4", calibration=CALIBRATION)
    out = run_check(check(sheet, "model", "eckerle_model"), ctx)
    assert out.status == "error" and "`eckerle_model` is not defined (a trained model)" in out.message


# --- the harness, in the student's process ------------------------------------------------------

X = wire.encode(np.array([[0.0], [0.5], [1.0]]))


class _Weight:
    def __init__(self, *shape):
        self.shape = shape


def fake_keras(monkeypatch):
    """A stand-in for keras in sys.modules: enough for the type rule, without TensorFlow."""
    class Model:
        calls: ClassVar[list[bool]] = []  # the `training` flag of every call

        def __init__(self, weights):
            self._weights = weights

        @property
        def trainable_weights(self):
            return self._weights

        @property
        def layers(self):
            return []

        def __call__(self, x, training=None):
            type(self).calls.append(training)
            return np.asarray(x) * 2

    Model.__module__ = "keras.src.models.model"
    monkeypatch.setitem(sys.modules, "keras", types.SimpleNamespace(Model=Model))
    return Model


class Lookup:
    """Np.interp over the data: has a predict(), trained nothing."""

    def predict(self, x, verbose=0):
        return np.interp(np.asarray(x), [0, 1], [0, 1])


def test_without_keras_imported_nothing_is_a_model(monkeypatch):
    monkeypatch.delitem(sys.modules, "keras", raising=False)
    assert extract._predict(Lookup(), X, 5.0) == {
        "error": "it is of type Lookup, not a Keras model", "model": {"keras": False, "class": "Lookup"}}
    lookup = lambda x: np.interp(x, [0, 1], [0, 1])  # noqa: E731 (a plain function, as a student writes it)
    assert extract._predict(lookup, X, 5.0)["model"] == {"keras": False, "class": "function"}


def test_an_object_with_predict_is_refused_even_with_keras_loaded(monkeypatch):
    fake_keras(monkeypatch)
    assert extract._predict(Lookup(), X, 5.0)["error"] == "it is of type Lookup, not a Keras model"


def test_a_lying_class_attribute_is_not_believed(monkeypatch):
    model_class = fake_keras(monkeypatch)

    class Liar(Lookup):
        __class__ = property(lambda self: model_class)  # fools isinstance(), not type()

    liar = Liar()
    assert isinstance(liar, model_class)
    assert extract._predict(liar, X, 5.0)["model"] == {"keras": False, "class": "Liar"}


def test_a_keras_subclass_is_called_through_keras_never_its_predict(monkeypatch):
    model_class = fake_keras(monkeypatch)

    class Mine(model_class):
        def predict(self, x, verbose=0):
            raise AssertionError("predict must not be called")

        @property
        def trainable_weights(self):  # a subclass's own count is not asked
            return [_Weight(1000)]

    out = extract._predict(Mine([_Weight(1, 3), _Weight(3)]), X, 5.0)
    assert wire.decode(out["output"]).tolist() == [[0.0], [1.0], [2.0]]
    assert model_class.calls == [False]
    assert out["model"] == {"keras": True, "class": "Mine", "layers": [], "n_layers": 0,
                            "trainable_params": 6}


def test_a_keras_model_without_trainable_weights_is_not_called(monkeypatch):
    model_class = fake_keras(monkeypatch)
    out = extract._predict(model_class([]), X, 5.0)
    assert out["error"] == "it has no trainable weights" and out["model"]["trainable_params"] == 0
    assert model_class.calls == []


def test_a_model_whose_layers_cannot_be_read_is_an_error_not_a_crash(monkeypatch):
    model_class = fake_keras(monkeypatch)
    out = extract._predict(model_class([_Weight("x")]), X, 5.0)
    assert out["error"].startswith("its layers could not be read: ValueError")
    assert out["model"] == {"keras": True, "class": "Model"}


@pytest.mark.slow
def test_real_keras_accepts_a_sequential_and_refuses_a_liar():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, name="out")])

    class Liar(Lookup):
        __class__ = property(lambda self: keras.Model)

    assert extract._predict(Liar(), X, 30.0)["error"] == "it is of type Liar, not a Keras model"
    out = extract._predict(model, X, 30.0)
    x = wire.decode(X)
    np.testing.assert_array_equal(wire.decode(out["output"]), np.asarray(model(x, training=False)))
    assert out["model"] == {"keras": True, "class": "Sequential", "n_layers": 1, "trainable_params": 2,
                            "layers": [{"name": "out", "class": "Dense", "units": 1}]}
