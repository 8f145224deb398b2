"""The plot check names the figure that shows the data: figures recorded by a real run (matplotlib
reuses "figure 1" after plt.show()), in script, lean and nbclient modes, read by statphys-1's
plot checks."""

from __future__ import annotations

import nbformat
import pytest

from grader.checks import Context, run_check
from grader.checks.plot import ordinal
from grader.harness import wire
from grader.sandbox.job import Job
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet
from grader.sheet.lock import load_lock

HIDDEN = {10: 0.8, 20: 0.85, 300: 0.9}
RUNS = [0.81, 0.84, 0.83]
# the statphys-1 reference's two plots, each shown: both are matplotlib's figure 1
CELLS = [
    "import matplotlib.pyplot as plt\n"
    f"val_acc_by_hidden = {HIDDEN!r}\nval_accs_30 = {RUNS!r}",
    "plt.plot(sorted(val_acc_by_hidden), [val_acc_by_hidden[n] for n in sorted(val_acc_by_hidden)], 'o-')\n"
    "plt.xscale('log'); plt.xlabel('hidden-layer size'); plt.ylabel('validation accuracy after 5 epochs')\n"
    "plt.show()",
    "plt.plot(range(3), val_accs_30, 'o'); plt.xlabel('run'); plt.ylabel('validation accuracy')\nplt.show()",
]


def _run(tmp_path, cells, mode):
    if mode == "script":
        source = tmp_path / "sub.py"
        source.write_text("\n# %%\n".join(cells))
    else:
        source = tmp_path / "sub.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), source)
    job = Job(source=str(source), kind="script" if mode == "script" else "notebook", workdir=str(tmp_path),
              answers=["val_acc_by_hidden", "val_accs_30"], figures=True,
              executor="lean" if mode == "lean" else "nbclient", probe_timeout_s=5, cell_timeout_s=30,
              total_timeout_s=60, max_output_chars=10_000, max_cells=20)
    result = ProcessRunner().run(job)
    assert result.status == "completed" and not result.cell_errors, result
    return result


def _plot_message(result, answer):
    sheet = load_sheet("statphys-1")
    expected, expected_probes = load_lock(sheet).decoded()
    answers = {name: wire.decode(value) for name, value in result.answers.items()}
    ctx = Context(sheet=sheet, answers=answers, probes={}, expected=expected,
                  expected_probes=expected_probes, figures=result.figures)
    spec = next(c for _, c in sheet.spec.checks() if c.kind == "plot" and c.answer == answer)
    outcome = run_check(spec, ctx)
    assert outcome.status == "passed", outcome.message
    return outcome.message


@pytest.mark.runs_code
@pytest.mark.parametrize("mode", ["script", "lean", "nbclient"])
def test_two_figures_numbered_1_are_two_records_and_each_plot_names_its_own(tmp_path, mode):
    result = _run(tmp_path, CELLS, mode)
    assert [fig["axes"][0]["xlabel"] for fig in result.figures] == ["hidden-layer size", "run"]
    assert [len(fig["axes"][0]["series"]) for fig in result.figures] == [1, 1]  # not drawn over
    hidden = _plot_message(result, "plot-accuracy-vs-hidden-size")
    assert hidden.startswith("plot-accuracy-vs-hidden-size: the 1st figure your code drew, line "
                             "(xlabel “hidden-layer size”, ylabel “validation accuracy after 5 epochs”) "
                             "shows your val_acc_by_hidden (x values).")
    runs = _plot_message(result, "plot-accuracy-per-run")
    assert runs.startswith("plot-accuracy-per-run: the 2nd figure your code drew, line "
                           "(xlabel “run”, ylabel “validation accuracy”) shows your val_accs_30")


@pytest.mark.runs_code
@pytest.mark.parametrize("mode", ["script", "nbclient"])
def test_a_figure_drawn_over_cells_is_one_record_and_a_closed_one_is_kept(tmp_path, mode):
    cells = [CELLS[0],
             "fig, ax = plt.subplots()\nfig.suptitle('Accuracy')\nax.plot([0, 1, 2], val_accs_30)",
             "ax.set_xlabel('run')",
             "ax.set_ylabel('validation accuracy')",
             "plt.figure()\nplt.bar(range(3), [1, 2, 3])\nplt.savefig('bars.png')\nplt.close()",
             "plt.figure()  # nothing drawn: not a figure yet"]
    result = _run(tmp_path, cells, mode)
    assert [(f["title"], f["axes"][0]["xlabel"], f["axes"][0]["ylabel"]) for f in result.figures] == [
        ("Accuracy", "run", "validation accuracy"), ("", "", "")]
    assert result.figures[1]["axes"][0]["series"][0]["y"] == [1.0, 2.0, 3.0]
    message = _plot_message(result, "plot-accuracy-per-run")
    assert "the 1st figure your code drew (“Accuracy”), line (xlabel “run”" in message


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                         (12, "12th"), (13, "13th"), (21, "21st"), (22, "22nd"),
                                         (112, "112th"), (50, "50th")])
def test_ordinal(n, text):
    assert ordinal(n) == text
