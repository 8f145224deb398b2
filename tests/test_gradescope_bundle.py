"""The Gradescope bundle run as Gradescope runs it: unpacked into <root>/source, setup.sh, then
run_autograder from <root> in a process with Docker's default capabilities (no bubblewrap there)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.grading.gradescope_bundle import FAILED, write_bundle
from grader.sandbox.doctor import choose_runner
from grader.sheet import load_sheet
from tests.sandbox.docker import in_docker

pytestmark = [pytest.mark.sandbox, pytest.mark.runs_code]
REPO = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent
EXAMPLE = REPO / "submissions_example" / "inf264-ex4" / "carol_wrong_gradient"  # partial credit


def _unpack(bundle: Path, source: Path) -> None:
    """As Gradescope does: the zip's root becomes /autograder/source, modes kept."""
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            zf.extract(info, source)
            if info.external_attr >> 16:
                (source / info.filename).chmod(info.external_attr >> 16 & 0o777)


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """Like /autograder: a folder anyone may enter (pytest's own are closed), so what keeps student
    code out of the source and the results is what the scripts do."""
    root = Path(tempfile.mkdtemp(prefix="grader-test-autograder-"))
    root.chmod(0o755)
    try:
        _unpack(write_bundle(load_sheet("inf264-ex4"), tmp_path_factory.mktemp("zip") / "ag.zip"),
                root / "source")
        yield root
    finally:
        shutil.rmtree(root)


def _fake_venv(folder: Path) -> Path:
    """Its python records the pip call; its grader is the real one (setup.sh ends with `grader doctor`)."""
    (folder / "bin").mkdir(parents=True)
    python = folder / "bin" / "python"
    python.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {folder}/pip-args\n')
    python.chmod(0o755)
    (folder / "bin" / "grader").symlink_to(VENV / "bin" / "grader")
    return folder


def test_setup_installs_from_the_unpacked_zip_and_closes_it(autograder, tmp_path):
    venv = _fake_venv(tmp_path / "venv")
    env = {**os.environ, "AUTOGRADER_ROOT": str(autograder), "AUTOGRADER_VENV": str(venv),
           "AUTOGRADER_SKIP_APT": "1"}
    done = subprocess.run(["bash", str(autograder / "source" / "setup.sh")], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    args = (venv / "pip-args").read_text().split()
    assert args[:3] == ["-m", "pip", "install"] and args[-2] == "-e"
    assert (Path(args[-1]) / "pyproject.toml").is_file() and Path(args[-1]) == autograder / "source"
    assert stat.S_IMODE((autograder / "source").stat().st_mode) == 0o700
    assert "isolation: " in done.stdout


def _run_autograder(autograder: Path, submission: Path,
                    venv: Path = VENV) -> tuple[subprocess.CompletedProcess[str], dict]:
    shutil.rmtree(autograder / "submission", ignore_errors=True)
    shutil.rmtree(autograder / "results", ignore_errors=True)
    shutil.copytree(submission, autograder / "submission")
    done = in_docker(f"AUTOGRADER_ROOT={autograder} AUTOGRADER_VENV={venv} "
                     f"{autograder / 'source' / 'run_autograder'}", cwd=autograder)
    return done, json.loads((autograder / "results" / "results.json").read_text())


def test_run_autograder_in_docker_gives_the_score_grader_grade_gives(autograder, tmp_path):
    done, results = _run_autograder(autograder, EXAMPLE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WITHOUT the bubblewrap sandbox: container (" in done.stderr  # bubblewrap cannot run there
    sheet = load_sheet("inf264-ex4")
    shutil.copytree(EXAMPLE, tmp_path / "subs" / "submission")
    direct = grade_batch(sheet, tmp_path / "subs", tmp_path / "out", choose_runner(sheet.spec.limits))
    expected = json.loads((tmp_path / "out" / "submission" / "gradescope.json").read_text())
    assert 0 < results["score"] == pytest.approx(direct.reports[0].score, abs=1e-5)
    assert results["score"] == expected["score"] and results["tests"] == expected["tests"]


def test_a_failing_autograder_still_leaves_results_and_exits_non_zero(autograder, tmp_path):
    done, results = _run_autograder(autograder, EXAMPLE, venv=tmp_path / "no-venv")
    assert done.returncode != 0 and "AUTOGRADER FAILURE" in done.stdout
    assert results == json.loads(FAILED.model_dump_json()) and results["score"] == 0
    assert "course staff have been told" in results["output"]


def test_a_submission_cannot_write_results_itself(autograder, tmp_path):
    cheat = tmp_path / "cheat"
    cheat.mkdir()
    target = autograder / "results" / "results.json"
    lock = autograder / "source" / "sheets" / "inf264-ex4" / "expected.lock.json"
    (cheat / "solution.py").write_text(
        f"try:\n    open({str(target)!r}, 'w').write('{{\"score\": 100, \"tests\": []}}')\n"
        "except PermissionError:\n    pass\n"
        f"expected = open({str(lock)!r}).read()  # PermissionError: this cell fails\n")
    done, results = _run_autograder(autograder, cheat)
    assert done.returncode == 0, done.stdout + done.stderr
    assert results["score"] == 0 and results["tests"]  # graded, and it defines no answer
