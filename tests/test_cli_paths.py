"""A TA's slips in the paths of `grader grade`: one line, exit 2, nothing graded."""

from pathlib import Path

from typer.testing import CliRunner

from grader.cli import app

EXAMPLES = Path(__file__).resolve().parent.parent / "submissions_example" / "inf264-ex4"


def _grade(*args: str):
    return CliRunner().invoke(app, ["grade", "inf264-ex4", *args])


def test_out_that_is_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "results.csv"
    target.write_text("keep me")
    result = _grade(str(EXAMPLES), "--out", str(target))
    assert result.exit_code == 2
    assert f"--out {target}: {target} is a file; choose a folder for the reports" in result.output
    assert "internal error" not in result.output and target.read_text() == "keep me"


def test_out_inside_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "f").write_text("")
    result = _grade(str(EXAMPLES), "--out", str(tmp_path / "f" / "out"))
    assert result.exit_code == 2 and f"{tmp_path / 'f'} is a file" in result.output


def test_submissions_that_is_a_file_is_a_usage_error(tmp_path):
    result = _grade(str(EXAMPLES / "bob.py"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "bob.py is a file; SUBMISSIONS is the folder that holds one entry per student" in result.output
    assert not (tmp_path / "out").exists()
