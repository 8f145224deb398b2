"""What ``grader new`` writes: a small working sheet (it locks, hands out and checks as it is),
with every other check kind as a commented example to copy."""

from __future__ import annotations

SHEET_YAML = """\
# {id}: a new sheet made by `grader new`. It works as it is: edit it, then
#   grader lock {id}; grader assign {id} -o handout/; grader check-reference {id}
# `grader schema sheet` lists every field; docs/writing-a-sheet.md walks through a sheet.
id: "{id}"                      # quoted: an id like 3 or 1.5 stays text
title: "{id}: a new exercise sheet"
source: ""                     # the document the sheet comes from
submission:
  filenames: [{id}.ipynb]      # preferred when a submission holds several files; names the handout
tolerance: {{rtol: 1.0e-4, atol: 1.0e-6}}
limits: {{cell_timeout_s: 30, total_timeout_s: 120}}
executor: lean                 # nbclient (a Jupyter kernel per submission) for sheets that train
tasks:
  - id: "1"
    title: "Forward pass by hand (x=2, w=0.5, b=-0.5, t=1)"
    points: 2
    checks:
      # value: a top-level name of the notebook, equal to the reference's within the tolerance
      - kind: value
        answer: y_hat
        tolerance: {{rtol: 1.0e-3, atol: 1.0e-6}}   # hand-computed values rounded to 4 digits pass
        # alternatives:            # other accepted conventions, from the reference's own answers
        #   - label: "the logit instead of the probability"
        #     derive: {{function: logit_of, args: [y_hat]}}
      # follow_through: recomputed from the student's own y_hat (one slip, one penalty)
      - kind: value
        answer: loss
        tolerance: {{rtol: 1.0e-3, atol: 1.0e-6}}
        follow_through:
          derive: {{function: half_squared_error, args: [y_hat]}}
  - id: "2"
    title: "The sigmoid and its derivative"
    points: 2
    checks:
      # function: the grader calls the student's function on probes (shown), hidden and random ones
      - kind: function
        answer: sigmoid
        probes: [{{args: [[-2.0, 0.0, 3.0]], label: three points}}]
        hidden: [{{args: [[40.0, -40.0]]}}]
        random: {{count: 3, seed: 1, args: [{{shape: [5]}}]}}
      - kind: function
        answer: dsigmoid
        probes: [{{args: [[-2.0, 0.0, 3.0]]}}]
      # finite_difference: dsigmoid agrees with central differences of the student's own sigmoid
      - kind: finite_difference
        answer: dsigmoid
        of: sigmoid
  - id: "3"
    title: "Vanishing gradients"
    points: 1
    checks:
      # manual: scored by a TA (`grader review`); tag the answer's cell grader:3-explanation
      - kind: manual
        answer: 3-explanation
        prompt: "sigma' <= 1/4, so a product of many of them shrinks (never shown to students)."
      # choice: a text answer, matched after normalising case, spaces and punctuation
      # - kind: choice
      #   answer: activation_fix
      #   accepted: [ReLU, "rectified linear unit"]
      # consistency: an answer agrees with what the student's own other answers imply
      # - kind: consistency
      #   answer: acc_mean
      #   derive: {{function: mean_of, args: [accs]}}
      # plot: a figure the notebook drew shows the data of its own answers
      # - kind: plot
      #   answer: plot-sigmoid
      #   data: {{function: curve_of, args: [zs]}}
      # range: a stochastic number within stated bounds (or `calibrated: {{runs: 5, sigmas: 4}}`
      # and `grader calibrate {id}`; with `training: NAME` per configuration family, see trainings:)
      # - kind: range
      #   answer: val_acc
      #   bounds: {{low: 0.9}}
      # model: the grader calls the student's model's predict() on its own inputs
      # - kind: model
      #   answer: model
      #   inputs: {{function: test_inputs}}
      #   targets: {{function: test_targets}}
      #   metric: accuracy
      #   bounds: {{low: 0.9}}
      # trend: a statistic that does not depend on the configuration
      # - kind: trend
      #   answer: accuracy-grows-with-width
      #   rule: increasing
      #   data: {{function: sizes_and_accs, args: [hidden_sizes, accs]}}
      #   threshold: 0.5
# trainings:                   # what the sheet leaves open in a training, for calibrated checks
#   - name: mnist
#     choices: {{optimizers: {{adam: {{low: 1.0e-4, high: 0.01}}}}, activations: [relu],
#               batch_sizes: [32], validation: [data]}}
#     families:
#       - {{name: adam-relu, label: "Adam (0.001) + ReLU, batch 32", optimizer: adam,
#          learning_rate: 0.001, activation: relu, batch_size: 32}}
"""

DERIVE_PY = '''\
"""Trusted functions of the sheet {id}: run by the grader on answers, never in the sandbox."""

from __future__ import annotations


def half_squared_error(y_hat: float) -> float:
    """Follow-through of task 1: the loss the student's own y_hat implies (target 1)."""
    return 0.5 * (1.0 - y_hat) ** 2
'''

# (cell type, tags, source) of the reference notebook
REFERENCE_CELLS: list[tuple[str, list[str], str]] = [
    ("markdown", [], "# {id}\nDefine each answer as a top-level name, with the name the task gives."),
    ("markdown", ["hidden"], "Reference notes (this cell is tagged `hidden`: `grader assign` drops it). "
     "Lines between `# BEGIN SOLUTION` and `# END SOLUTION`, and cells tagged `solution`, are "
     "emptied in the students' handout."),
    ("markdown", [], "## 1 Forward pass\n"
     "A single sigmoid unit with $x = 2$, $w = 0.5$, $b = -0.5$: $\\hat y = \\sigma(wx + b)$ and "
     "$L = \\tfrac12 (t - \\hat y)^2$ for the target $t = 1$. Define `y_hat` and `loss`."),
    ("code", [], "import numpy as np\n\nx, w, b, t = 2.0, 0.5, -0.5, 1.0\n"
     "# BEGIN SOLUTION\ny_hat = float(1.0 / (1.0 + np.exp(-(w * x + b))))\n"
     "loss = 0.5 * (t - y_hat) ** 2\n# END SOLUTION\n"),
    ("markdown", [], "## 2 The sigmoid and its derivative\n"
     "Write `sigmoid(z)` and `dsigmoid(z)` for numpy arrays."),
    ("code", [], "def sigmoid(z):\n    # YOUR CODE HERE\n    # BEGIN SOLUTION\n"
     "    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))\n    # END SOLUTION\n\n\n"
     "def dsigmoid(z):\n    # YOUR CODE HERE\n    # BEGIN SOLUTION\n    s = sigmoid(z)\n"
     "    return s * (1.0 - s)\n    # END SOLUTION\n"),
    ("markdown", [], "## 3 Vanishing gradients\nWhy does a deep network of sigmoid units learn slowly "
     "in its first layers?"),
    ("markdown", ["solution", "grader:3-explanation"],
     "$\\sigma'(z) = \\sigma(z)(1 - \\sigma(z)) \\le 1/4$: the gradient reaching the first layer is a "
     "product of many such factors and shrinks geometrically with depth."),
]
