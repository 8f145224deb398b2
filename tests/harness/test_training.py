"""The harness records what each Keras fit() call trained (grader/harness/training.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.harness import training

HARNESS = Path(training.__file__).parent
SCRIPT = f"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("_grader_preamble", {str(HARNESS / "preamble.py")!r})
preamble = importlib.util.module_from_spec(spec); sys.modules[spec.name] = preamble
spec.loader.exec_module(preamble)
preamble.install({{"answers": [], "workdir": "."}})
import keras, numpy as np
x, y = np.zeros((40, 4, 2), "float32"), np.arange(40) % 3
model = keras.Sequential([keras.Input(shape=(4, 2)), keras.layers.Flatten(),
                          keras.layers.Dense(5, activation="sigmoid"),
                          keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
model.fit(x, y, 64, 2, 0, None, 0.2)  # batch_size, epochs, verbose, callbacks, validation_split
functional = keras.Model(model.inputs, model.outputs)
functional.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
functional.fit(x, y, epochs=1, validation_data=(x, y), verbose=0)
print(json.dumps(sys.modules["_grader_training"].records()))
"""


@pytest.mark.slow
@pytest.mark.runs_code
def test_fit_calls_are_recorded_with_their_configuration():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                         check=True)
    first, second = json.loads(out.stdout.strip().splitlines()[-1])
    assert first == {"optimizer": "sgd", "learning_rate": pytest.approx(0.1), "activations": ["sigmoid"],
                     "batch_size": 64, "epochs": 2, "validation": "split", "input_dim": 8}
    assert second["optimizer"] == "adam" and second["batch_size"] == 32 and second["validation"] == "data"
    assert second["learning_rate"] == pytest.approx(0.001) and second["activations"] == ["sigmoid"]


def test_records_leave_only_plain_values():
    class Lying(float):
        def __repr__(self) -> str:
            raise RuntimeError("no")

    training.RECORDS[:] = [{"optimizer": "sgd", "learning_rate": Lying(1), "activations": ["relu", 3],
                            "batch_size": float("nan")}, "not a record"]
    try:
        assert training.records() == [{"optimizer": "sgd", "learning_rate": None, "activations": ["relu"],
                                       "batch_size": None}]
    finally:
        training.RECORDS.clear()
