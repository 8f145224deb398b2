"""Grade the bundled example submissions end to end and compare with golden reports.

Golden files live in tests/golden/<sheet>/<student>.json and change only with
``pytest --update-golden``. Besides the golden comparison, the scores that matter are asserted
here directly, from hand-computed answers, so a wrong golden file cannot hide a wrong grade.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet

pytestmark = pytest.mark.runs_code
REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
VOLATILE = {"duration_s", "grader_version", "traceback", "isolation"}


_CACHE: dict[str, tuple] = {}


def _grade(sheet_id, tmp_path_factory):
    if sheet_id not in _CACHE:
        sheet = load_sheet(sheet_id)
        out = tmp_path_factory.mktemp(sheet_id)
        result = grade_batch(sheet, REPO / "submissions_example" / sheet_id, out, ProcessRunner())
        _CACHE[sheet_id] = (sheet_id, out, {r.student: r for r in result.reports})
    return _CACHE[sheet_id]


CORRECT = {"inf264-ex4": ["alice", "bob", "frank_zipped"], "waterloo-a2-1": ["alice", "bob", "frank_zipped"],
           "sheet6-ffnn": ["alice"]}


@pytest.fixture(scope="module", params=sorted(CORRECT))
def graded(request, tmp_path_factory):
    return _grade(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def waterloo(tmp_path_factory):
    return _grade("waterloo-a2-1", tmp_path_factory)


def normalize(data):
    if isinstance(data, dict):
        return {k: normalize(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [normalize(v) for v in data]
    return data


def test_reports_match_golden_files(graded, update_golden):
    sheet_id, out, reports = graded
    mismatched = []
    for student in reports:
        current = normalize(json.loads((out / student / "report.json").read_text()))
        golden = GOLDEN / sheet_id / f"{student}.json"
        if update_golden:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
        elif not golden.exists() or json.loads(golden.read_text()) != current:
            mismatched.append(student)
    assert not mismatched, (f"reports differ from {GOLDEN / sheet_id} for {mismatched}; "
                            "if the change is intended, run pytest --update-golden and review the diff")


def test_every_student_has_report_feedback_and_a_gradebook_row(graded):
    sheet_id, out, reports = graded
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert sorted(r["student"] for r in rows) == sorted(reports)
    for student in reports:
        assert (out / student / "feedback.md").read_text().startswith(f"# Feedback: {sheet_id}")


def auto_points(report):
    return sum(c.max_score for t in report.tasks for c in t.checks if c.kind != "manual")


def status(report, answer):
    return next(c.status for t in report.tasks for c in t.checks if c.answer == answer)


def test_correct_submissions_earn_every_automatic_point(graded):
    sheet_id, _, reports = graded
    for student in CORRECT[sheet_id]:
        assert reports[student].score == pytest.approx(auto_points(reports[student])), student


def test_typical_mistakes_are_scored_as_a_ta_would(graded):
    sheet_id, _, r = graded
    if sheet_id == "inf264-ex4":
        carol = r["carol_wrong_gradient"]
        assert status(carol, "dL_dw1") == "failed" and status(carol, "w1_new") == "passed"
        assert carol.task("2.backward").score == pytest.approx(2.0)
        dave = r["dave_syntax_error"]
        assert status(dave, "baseline_accuracy") == "error" and status(dave, "forward_backward") == "passed"
        assert r["erin_missing"].score == pytest.approx(2.0)  # the forward pass only
    elif sheet_id == "sheet6-ffnn":
        carol = r["carol_wrong_dtanh"]
        assert [status(carol, a) for a in ("dtanh", "max_dtanh", "dsigmoid")] == \
            ["failed", "failed", "passed"]
        fd = [c for t in carol.tasks for c in t.checks if c.kind == "finite_difference"]
        assert [c.status for c in fd] == ["passed", "failed", "passed"]  # dsigmoid, dtanh, batchnorm
        dave = r["dave_naive_softmax"]
        assert status(dave, "softmax") == "failed" and "NaN or inf" in _message(dave, "softmax")
        erin = r["erin_w2_not_transposed"]
        assert status(erin, "forward") == "passed" and "softmax(W2 h)" in _message(erin, "forward")
    else:
        carol = r["carol_wrong_gradient"]
        assert [status(carol, a) for a in ("dL_dw", "w_new", "loss")] == ["failed", "passed", "passed"]
        assert r["dave_syntax_error"].task("5").score == 0


def _message(report, answer):
    return next(c.message for t in report.tasks for c in t.checks if c.answer == answer)


def test_seed004_is_credited_for_what_is_right(waterloo):
    seed = waterloo[2]["seed004"]
    right = ["y", "loss", "dL_dw", "dL_db3", "dsigmoid", "y_relu"]
    wrong = ["h", "collapse_linear", "dL_dC", "dL_db", "w_new", "b3_new", "C_new", "b_new"]
    assert [status(seed, a) for a in right] == ["passed"] * len(right)
    assert [status(seed, a) for a in wrong] == ["failed"] * len(wrong)
    assert status(seed, "dtanh") == "error"  # the student gave no formula
    h = next(c for t in seed.tasks for c in t.checks if c.answer == "h")
    assert "got 0.9176, expected 0.817574" in h.message
    b3 = next(c for t in seed.tasks for c in t.checks if c.answer == "b3_new")
    assert "sign is flipped" in b3.message


def test_a_notebook_saved_from_colab_scores_as_the_reference(graded):
    sheet_id, _, reports = graded
    if sheet_id != "inf264-ex4":
        pytest.skip("inf264-ex4 only")
    gina = reports["gina_colab"]  # drive.mount, !pip install tqdm, tqdm loops, nbformat 4.0, no cell ids
    assert gina.run.status == "completed" and not gina.run.cell_errors
    assert gina.score == pytest.approx(auto_points(gina)) == pytest.approx(reports["alice"].score)
    assert "drive.mount('/content/drive') does nothing when grading" in gina.run.stderr
