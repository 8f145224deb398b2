"""The tool does not assume it runs from its own checkout: a wheel installed into a fresh virtual
environment grades a course folder copied outside the repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.runs_code]
REPO = Path(__file__).resolve().parent.parent


def run(*argv: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def test_a_wheel_grades_a_course_folder_from_outside_the_repository(tmp_path):
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", tmp_path / "dist", REPO)
    (wheel,) = (tmp_path / "dist").glob("grader-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    # the dependencies come from this environment (no second TensorFlow download); grader from the wheel
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "-q", wheel)
    course = tmp_path / "course"
    shutil.copytree(REPO / "sheets" / "inf264-ex4", course / "sheets" / "inf264-ex4")
    shutil.copytree(REPO / "reference" / "inf264-ex4", course / "reference" / "inf264-ex4")
    shutil.copytree(REPO / "submissions_example" / "inf264-ex4" / "alice", course / "subs" / "alice")
    location = run(venv / "bin" / "python", "-c", "import grader, sys; print(grader.__file__)", cwd=course)
    assert str(REPO) not in location and str(venv) in location
    run(venv / "bin" / "grader", "grade", "inf264-ex4", "subs", "--out", "out", "--unsafe-no-sandbox",
        "--backend", "serial", "--quiet", cwd=course)
    gradebook = (course / "out" / "gradebook.csv").read_text()
    assert "alice" in gradebook and (course / "out" / "alice" / "feedback.html").is_file()
