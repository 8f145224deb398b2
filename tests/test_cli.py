import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.mark.runs_code
def test_grade_writes_reports_and_gradebook(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "anna.py").write_text("z = 3\nh = 3.0\ny_hat = 6\n")
    (subs / "ben.pdf").write_bytes(b"%PDF")
    result = runner.invoke(app, ["grade", "inf264-ex4", str(subs), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "graded now" in result.output and "gradebook.csv" in result.output
    assert "[invalid_submission]" in result.output  # status tags survive rich markup
    report = json.loads((tmp_path / "out" / "anna" / "report.json").read_text())
    assert report["tasks"][4]["id"] == "2.forward" and report["tasks"][4]["score"] == 2.0
    rows = {r["student"]: r for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert rows["ben"]["run_status"] == "invalid_submission" and rows["ben"]["total"] == "0"


def test_unknown_sheet_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["grade", "nope", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "error: no sheet 'nope'" in result.output
    assert "Traceback" not in result.output


def test_missing_submissions_folder(tmp_path):
    result = runner.invoke(app, ["grade", "inf264-ex4", str(tmp_path / "none"), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is not a folder of submissions" in result.output


def test_check_reference_needs_one_sheet_or_all():
    assert runner.invoke(app, ["check-reference"]).exit_code == 2


def test_schema_commands():
    result = runner.invoke(app, ["schema", "report"])
    assert result.exit_code == 0 and "ScoreReport" in json.loads(result.output)["title"]
    assert runner.invoke(app, ["schema", "nope"]).exit_code == 2


@pytest.mark.runs_code
def test_review_apply_show_and_exports_from_the_cli(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "Ann_1152231_Bo_1151651.py").write_text("z = 3\nh = 3.0\ny_hat = 6\n")
    assert runner.invoke(app, ["grade", "inf264-ex4", str(subs), "--out", str(out), "-q"]).exit_code == 0
    for name in ("feedback.html", "gradescope.json"):
        assert (out / "Ann_1152231_Bo_1151651" / name).is_file()
    assert {"summary.html", "summary.json", "lms.csv"} <= {p.name for p in out.iterdir()}
    assert runner.invoke(app, ["review", "inf264-ex4", str(out)]).exit_code == 0
    refused = runner.invoke(app, ["review", "inf264-ex4", str(out), "--apply"])  # not without --serve
    assert refused.exit_code == 2 and "--apply" in refused.output
    (out / "overrides.csv").write_text((out / "overrides.csv").read_text() + "# mine\n")
    again = runner.invoke(app, ["review", "inf264-ex4", str(out)])  # refreshes the pages, keeps the points
    assert again.exit_code == 0 and "kept" in again.output and "# mine" in (out / "overrides.csv").read_text()
    assert (out / "review" / "index.html").is_file()
    rows = list(csv.DictReader((out / "overrides.csv").open()))
    rows[0]["points"] = rows[0]["max_points"]
    with (out / "overrides.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(app, ["apply-overrides", "inf264-ex4", str(out), str(out / "overrides.csv")])
    assert result.exit_code == 0 and "merged into 1 reports" in result.output
    shown = runner.invoke(app, ["show", str(out / "Ann_1152231_Bo_1151651")])
    assert shown.exit_code == 0 and "Scored by a TA" in shown.output
    lms = list(csv.DictReader((out / "lms.csv").open()))
    assert [r["Student ID"] for r in lms] == ["1151651", "1152231"]
    bundle = runner.invoke(app, ["gradescope-bundle", "inf264-ex4", "--out", str(tmp_path / "ag.zip")])
    assert bundle.exit_code == 0 and (tmp_path / "ag.zip").stat().st_size > 10_000

