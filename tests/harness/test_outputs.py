"""What each cell showed when it ran, for the TA: the same from both executors, bounded in the
sandbox (the result frame never fills up because of outputs) and validated on the host."""

from __future__ import annotations

import base64
import json

import pytest
from pydantic import ValidationError

from grader.harness.cells import MAX_PER_CELL, MAX_TEXT, OUTPUT_BUDGET, OutputLog
from grader.sandbox.job import MAX_OUTPUT_PNG, CellOutputs, Job, RunResult
from grader.sandbox.process import ProcessRunner

pytestmark = pytest.mark.runs_code
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _run(tmp_path, cells, executor_name, kind="notebook", figures=False):
    import nbformat

    if kind == "notebook":
        path = tmp_path / f"{executor_name}.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    else:
        path = tmp_path / "script.py"
        path.write_text("\n".join(f"# %%\n{c}" for c in cells))
    job = Job(source=str(path), kind=kind, workdir=str(tmp_path), answers=[], figures=figures,
              executor=executor_name, probe_timeout_s=5, cell_timeout_s=20, total_timeout_s=120,
              max_output_chars=262_144, max_cells=50)
    return ProcessRunner().run(job)


def _shown(result: RunResult) -> list[tuple[int, list[tuple[str, str, str]]]]:
    return [(c.cell, [(o.kind, o.name, o.text if o.kind == "text" else "png") for o in c.outputs])
            for c in result.outputs]


CELLS = [
    "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\n1 + 1",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
    "plt.figure()\nplt.plot([3, 1])",  # never shown: as Jupyter's inline backend does, at the cell's end
    "from IPython.display import display, HTML\ndisplay(HTML('<script>alert(1)</script>'))\n1 / 0",
]
EXPECTED = [
    (0, [("text", "stdout", "hello\n"), ("text", "stderr", "oops\n"), ("text", "result", "2")]),
    (1, [("image", "display", "png")]),
    (2, [("text", "result", "[<matplotlib.lines.Line2D at HEX>]"), ("image", "display", "png")]),
    (3, [("text", "display", "<IPython.core.display.HTML object>")]),
]


def _no_addresses(shown):
    import re

    return [(c, [(k, n, re.sub(r"0x[0-9a-f]+", "HEX", t)) for k, n, t in outs]) for c, outs in shown]


@pytest.mark.parametrize("figures", [False, True])
def test_both_executors_show_the_same_text_results_and_figures(tmp_path, figures):
    lean, kernel = (_run(tmp_path, CELLS, name, figures=figures) for name in ("lean", "nbclient"))
    assert _no_addresses(_shown(lean)) == _no_addresses(_shown(kernel)) == EXPECTED
    for result in (lean, kernel):
        png = base64.b64decode(result.outputs[1].outputs[0].png_base64)
        assert png.startswith(PNG_SIGNATURE) and len(png) < 100_000
    figures = [[o.png_base64 for o in r.outputs[1].outputs] for r in (lean, kernel)]
    assert figures[0] == figures[1]


def test_a_script_shows_its_cells_outputs_and_figures(tmp_path):
    result = _run(tmp_path, ["print('a')", "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"],
                  "lean", kind="script")
    assert [(c.cell, [o.kind for o in c.outputs]) for c in result.outputs] == [(0, ["text"]), (1, ["image"])]


@pytest.mark.parametrize("executor_name", ["lean", "nbclient"])
def test_huge_outputs_and_thousands_of_images_stay_bounded(tmp_path, executor_name):
    cells = ["print('x' * 50_000_000)",
             "from IPython.display import display, Image\nimport base64\n"
             f"png = base64.b64decode({base64.b64encode(PNG_SIGNATURE + b'0' * 2_000)!r})\n"
             "for _ in range(10_000):\n    display(Image(data=png, format='png'))",
             *("print('y' * 30_000)" for _ in range(30)), "z = 1"]
    result = _run(tmp_path, cells, executor_name)
    assert result.status == "completed", result.message
    size = len(json.dumps([c.model_dump() for c in result.outputs]))
    assert size <= OUTPUT_BUDGET
    first = result.outputs[0].outputs[0]
    assert first.truncated and len(first.text) == MAX_TEXT
    assert result.outputs_cut > 0
    assert all(len(c.outputs) <= MAX_PER_CELL for c in result.outputs)


def test_the_log_keeps_earlier_cells_first_and_counts_what_it_cut():
    log = OutputLog(budget=50_000)
    for cell in range(10):
        log.start(cell)
        log.text("stdout", "a" * 15_000)
        log.image("iVBORw0KGgo" + "A" * (MAX_OUTPUT_PNG + 1))  # too large: said, not kept
    result = log.result()
    kept = [c["cell"] for c in result["outputs"] if any(len(o["text"]) == 15_000 for o in c["outputs"])]
    assert kept == [0, 1, 2]
    assert result["outputs"][0]["outputs"][1]["text"].startswith("[an image of")
    assert result["outputs_cut"] == 7


def test_the_host_refuses_outputs_past_the_bounds():
    with pytest.raises(ValidationError):
        CellOutputs(cell=0, outputs=[{"kind": "text", "text": "x" * (MAX_TEXT + 1000)}])
    with pytest.raises(ValidationError):
        CellOutputs(cell=0, outputs=[{"kind": "text", "text": "x"}] * (MAX_PER_CELL + 1))
    with pytest.raises(ValidationError):
        RunResult(status="completed", outputs=[{"cell": 0, "outputs": [{"kind": "html", "text": "<b>"}]}])


def test_figures_shown_in_a_loop_are_drawn_fifty_times_a_run_at_most(tmp_path):
    loop = "for i in range(30):\n    plt.plot([i, 1])\n    plt.show()"
    result = _run(tmp_path, ["import matplotlib.pyplot as plt", loop, loop, loop], "lean")
    images = [[o.kind for o in c.outputs].count("image") for c in result.outputs]
    assert images == [20, 20]  # 30 drawn in the first loop (20 a cell kept), 20 in the second, then none
    assert result.outputs_cut == 10
