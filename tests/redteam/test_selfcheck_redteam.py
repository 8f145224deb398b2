"""Red team of ``grader check`` and ``grader lock --public`` (#17): a hostile student, a careless TA.

Each test is one finding. Fixed ones pass; the rest are strict xfails whose reason says what is wrong.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.checks.probes import encoded_calls
from grader.cli import app
from grader.grading.discover import Submission
from grader.grading.selfcheck import checking_runner, handout_from_sheet, self_check
from grader.grading.submission import grade_submission
from grader.harness import wire
from grader.service.visibility import shown
from grader.sheet import SHEETS_ROOT, load_sheet
from grader.sheet.kinds import ManualCheck
from grader.sheet.lock import load_lock, staleness
from grader.sheet.public_lock import public_lock, render, write_public_lock

REPO = Path(__file__).resolve().parents[2]
SHEET = "inf264-ex4"
cli = CliRunner()
# every answer of inf264-ex4 in the form the reference has (values are not the reference's)
FORMED = ("import numpy as np\nH1_size = 1\nH2_size = 1\nW1_shape = (1, 1)\nW2_shape = (1, 1)\n"
          "W3_shape = (1, 1)\nmodel_is_linear = False\nbaseline_accuracy = 0.1\nbest_feature = 'X1'\n"
          "z = h = y_hat = dL_dw1 = dL_dw2 = w1_new = w2_new = 0.0\n")


@pytest.fixture
def sheet_copy(tmp_path: Path) -> Path:
    """A copy of the sheet and its reference laid out as in the repository (its lock still fresh)."""
    shutil.copytree(SHEETS_ROOT / SHEET, tmp_path / "sheets" / SHEET)
    shutil.copytree(REPO / "reference" / SHEET, tmp_path / "reference" / SHEET)
    folder = tmp_path / "sheets" / SHEET
    assert staleness(load_sheet(str(folder)), load_lock(load_sheet(str(folder)))) == []
    return folder


# -- careless TA: grader lock --public -o FILE ---------------------------------------------------

@pytest.mark.parametrize("name", ["public.lock.json", "expected.lock.json"])
def test_a_public_lock_written_into_the_sheet_folder_is_refused(sheet_copy, name):
    """Written inside the sheet folder, the public lock changed the folder's hash, so the real lock
    went stale and grading refused to start; written as expected.lock.json it replaced the real
    lock (expected answers and calibrations, which take hours of training to measure again)."""
    target = sheet_copy / name
    before = (sheet_copy / "expected.lock.json").read_bytes()
    result = cli.invoke(app, ["lock", "--public", str(sheet_copy), "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert "inside the sheet folder" in result.output
    assert (sheet_copy / "expected.lock.json").read_bytes() == before
    sheet = load_sheet(str(sheet_copy))
    assert staleness(sheet, load_lock(sheet)) == [], "the real lock went stale"


def test_a_public_lock_written_into_the_reference_folder_is_refused(sheet_copy):
    """The reference's hash is in the lock too: a file added there makes the lock stale."""
    target = sheet_copy.parent.parent / "reference" / SHEET / "public.json"
    result = cli.invoke(app, ["lock", "--public", str(sheet_copy), "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert "inside the reference folder" in result.output
    assert not target.exists()


def test_a_public_lock_to_a_folder_is_a_clear_error_not_a_grader_bug(tmp_path):
    result = cli.invoke(app, ["lock", "--public", SHEET, "-o", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "is a folder" in result.output


# -- what a student can get from what grader check needs ------------------------------------------

def test_what_grader_check_reads_holds_no_choice_answer_nor_hidden_probe(tmp_path):
    """It was the sheet folder (sheet.yaml, derive.py): the choice answers (`accepted`), the hidden
    probe inputs, the random probes' seed and the manual points' model answers (`prompt`). A student
    now holds the public lock (and the sheet's data files), and `grader check` runs from it alone
    (tests/grading/test_selfcheck.py runs it with no sheet to be found)."""
    sheet = load_sheet(SHEET)
    write_public_lock(sheet, load_lock(sheet), tmp_path / "public.json")
    assert [p.name for p in tmp_path.iterdir()] == ["public.json"]
    read = json.dumps(json.loads((tmp_path / "public.json").read_text(encoding="utf-8")))
    hidden = [json.dumps(c.args) for cs in encoded_calls(sheet.spec).values() for c in cs if c.secret]
    prompts = [c.prompt for _, c in sheet.spec.checks() if isinstance(c, ManualCheck) and c.prompt]
    assert "X1X2" not in read, "the accepted answer of the choice `best_feature`"
    assert [h for h in hidden if h in read] == [] and [p for p in prompts if p in read] == []
    assert "seed" not in read and "random" not in read


# -- a hostile notebook ---------------------------------------------------------------------------

@pytest.mark.runs_code
@pytest.mark.sandbox
@pytest.mark.parametrize("name", ["evil\x1b]0;title\x07\x1b[2J\u202e.py",
                                  ".evil\x1b]0;title\x07\x1b[2J\u202e.py"])
def test_an_escape_sequence_in_the_notebooks_file_name_reaches_the_terminal_inert(tmp_path, name):
    """The file name is the student id on the first line. Discovery cleans it, but a name it skips
    (a dot file) fell back to the raw stem, which went to the terminal as it was."""
    script = tmp_path / name
    script.write_text(FORMED + "def forward_backward(*a):\n    return {}\n", encoding="utf-8")
    result = cli.invoke(app, ["check", SHEET, str(script)])
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert result.output.splitlines()[0].startswith((f"{SHEET}: evil", f"{SHEET}: .evil"))


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_a_huge_exception_message_is_bounded(tmp_path):
    script = tmp_path / "flood.py"
    script.write_text("print('\\x1b[2J' * 100000)\nraise ValueError('A' * 5_000_000)\n", encoding="utf-8")
    result = cli.invoke(app, ["check", SHEET, str(script)])
    assert result.exit_code == 1
    assert len(result.output) < 50_000 and "\x1b" not in result.output


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_a_function_that_returns_none_is_not_reported_of_the_expected_form(tmp_path):
    """`return` forgotten, the commonest slip, was reported `ok: ... of the expected form`: the public
    lock now holds the form (never the value) of each visible probe's output."""
    script = tmp_path / "no_return.py"
    script.write_text(FORMED + "def forward_backward(x, y, w1, w2, rate):\n    z = w1 * x\n",
                      encoding="utf-8")
    result = cli.invoke(app, ["check", SHEET, str(script)])
    lines = result.output.splitlines()
    problem = next((line for line in lines if line.startswith("problem:") and "forward_backward" in line), "")
    assert "returned None; forward_backward returns a dict with keys" in problem, result.output
    assert result.exit_code == 1


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_a_function_that_returns_the_wrong_form_is_named_without_the_expected_value(tmp_path):
    script = tmp_path / "wrong_form.py"
    script.write_text(FORMED + "def forward_backward(x, y, w1, w2, rate):\n    return [w1 * x, 2.0]\n",
                      encoding="utf-8")
    result = cli.invoke(app, ["check", SHEET, str(script)])
    problem = next(line for line in result.output.splitlines() if "forward_backward(" in line)
    assert "returned a value of the wrong form: got a list, expected a dict with keys" in problem
    assert result.exit_code == 1
    expected = load_lock(load_sheet(SHEET)).probe_outputs["forward_backward"][0]
    said = problem.split(" returned ", 1)[1]  # after the visible call, whose inputs are shown anyway
    assert [v for v in wire.decode(expected).values() if repr(v) in said] == []


@pytest.mark.runs_code
@pytest.mark.sandbox
def test_the_service_format_view_names_a_wrong_shape_as_grader_check_does(tmp_path):
    script = tmp_path / "shapes.py"
    script.write_text(FORMED + "W1_shape = (3, 2, 1)\nH2_size = 'two'\n"
                      "def forward_backward(*a):\n    return {}\n", encoding="utf-8")
    sheet = load_sheet(SHEET)
    lock = load_lock(sheet)
    sub = Submission("shapes", script, "script")
    with checking_runner(sheet.spec.limits) as runner:
        report = grade_submission(sheet, lock, sub, runner)
        mine = self_check(handout_from_sheet(sheet), sub, runner)
    assert [c.answer for c in mine.view.problems] == ["H2_size", "W1_shape", "forward_backward"]
    assert shown(report, "format").checks == mine.view.checks


@pytest.mark.runs_code
@pytest.mark.sandbox
@pytest.mark.parametrize("command", [["grade", "{sheet}", "{subs}", "--out", "{out}"],
                                     ["check-reference", "{sheet}"],
                                     ["gradescope-bundle", "{sheet}", "--out", "{out}/a.zip"]])
def test_a_public_lock_in_place_of_the_real_one_is_refused_with_the_reason(sheet_copy, tmp_path, command):
    """A TA who copies the public lock over expected.lock.json by hand: every command that needs
    expected answers says why it cannot use it (nothing scored zero against an empty lock)."""
    sheet = load_sheet(str(sheet_copy))
    public = render(public_lock(sheet, load_lock(sheet)))
    (sheet_copy / "expected.lock.json").write_text(public, encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text("H1_size = 3\n", encoding="utf-8")
    args = [a.format(sheet=sheet_copy, subs=subs, out=tmp_path / "out") for a in command]
    result = cli.invoke(app, args)
    assert result.exit_code in (1, 2), result.output
    assert "it is a public lock" in result.output, result.output
    assert not (tmp_path / "out" / "alice").exists()


def test_an_expected_none_is_not_told_by_its_form():
    """The form of None is None itself: "got a float, expected None" handed out the answer."""
    from grader.checks.forms import form_of, form_problem

    form = form_of(None)
    assert "None" not in form.describe()
    assert form_problem(1.5, form) is None
    assert form_of([1.0, None, "x"]).items is not None
    assert form_problem([1.0, 2.0, "y"], form_of([1.0, None, "x"])) is None
