"""What the harness sets up before student code: offline MNIST, figure snapshots, model predict,
chained probe arguments and the calibration seed, in both script and notebook mode."""

from __future__ import annotations

import shutil

import nbformat
import numpy as np
import pytest

from grader.harness import wire
from grader.sandbox.job import Job, ProbeCall
from grader.sandbox.process import ProcessRunner
from grader.sheet import datasets

pytestmark = pytest.mark.runs_code

CELLS = [
    "import os\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
    "def sigmoid(x): return 1 / (1 + np.exp(-x))\n"
    "def dsigmoid(x): return sigmoid(x) * (1 - sigmoid(x))\n"
    "seed = os.environ.get('GRADER_SEED')",
    "plt.plot([10, 20, 40], [0.8, 0.85, 0.9]); plt.xlabel('hidden'); plt.ylabel('acc'); plt.show()\n"
    "plt.close('all')",
    "from keras.datasets import mnist\n(xt, yt), (xs, ys) = mnist.load_data()\nshape = list(xt.shape)\n"
    "class Model:\n    def predict(self, x, verbose=1): return np.asarray(x) * 2\nmodel = Model()",
]


def _job(tmp_path, source, kind):
    staged = tmp_path / ".keras" / "datasets"
    staged.mkdir(parents=True)
    shutil.copyfile(datasets.mnist_subset_file(), staged / "mnist.npz")
    chained = {"$call": "sigmoid", "args": [wire.encode(1.0)], "item": None}
    return Job(source=str(source), kind=kind, workdir=str(tmp_path), answers=["seed", "shape"],
               probes={"dsigmoid": [ProbeCall(args=[chained])]},
               models={"model": [wire.encode(np.ones((2, 1)))]}, figures=True,
               datasets={"mnist": ".keras/datasets/mnist.npz"}, seed=3, probe_timeout_s=10,
               cell_timeout_s=120, total_timeout_s=240, max_output_chars=10000, max_cells=20)


@pytest.mark.parametrize("kind", ["script", "notebook"])
def test_preamble_features(tmp_path, kind):
    if kind == "script":
        source = tmp_path / "sub.py"
        source.write_text("\n# %%\n".join(CELLS))
    else:
        source = tmp_path / "sub.ipynb"
        cells = [CELLS[0], "%matplotlib inline\n" + CELLS[1].replace("plt.close('all')", ""), CELLS[2]]
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), source)
    result = ProcessRunner().run(_job(tmp_path, source, kind))
    assert result.status == "completed" and not result.cell_errors, result
    assert result.answers == {"seed": "3", "shape": [4000, 28, 28]}  # no download attempted
    assert result.probes["dsigmoid"][0].output == pytest.approx(0.2193618640098077)
    assert result.predictions["model"][0].error == "it is of type Model, not a Keras model"  # not predict()
    [figure] = result.figures  # kept although shown and closed
    series = figure["axes"][0]["series"][0]
    assert figure["axes"][0]["xlabel"] == "hidden" and series["y"] == [0.8, 0.85, 0.9]
