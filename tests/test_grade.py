"""Batches resume: finished students are kept, changed or missing ones are graded."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet

pytestmark = pytest.mark.runs_code
REPO = Path(__file__).resolve().parent.parent


N = len([p for p in (REPO / "submissions_example" / "inf264-ex4").iterdir() if not p.name.startswith(".")])


@pytest.fixture
def subs(tmp_path):
    folder = tmp_path / "subs"
    shutil.copytree(REPO / "submissions_example" / "inf264-ex4", folder)
    return folder


def test_rerun_grades_only_what_changed(subs, tmp_path):
    sheet = load_sheet("inf264-ex4")
    runner = ProcessRunner(sheet.spec.limits)
    first = grade_batch(sheet, subs, tmp_path / "out", runner)
    assert first.resumed == [] and len(first.graded) == N
    (subs / "bob.py").write_text((subs / "bob.py").read_text().replace("w2_new = w2 - lr * dL_dw2",
                                                                       "w2_new = w2 + lr * dL_dw2"))
    shutil.rmtree(tmp_path / "out" / "erin_missing")
    second = grade_batch(sheet, subs, tmp_path / "out", runner)
    assert sorted(second.graded) == ["bob", "erin_missing"] and len(second.resumed) == N - 2
    bob = next(r for r in second.reports if r.student == "bob")
    assert bob.score < next(r for r in first.reports if r.student == "bob").score
    assert len(second.reports) == N
    assert grade_batch(sheet, subs, tmp_path / "out", runner, force=True).resumed == []


def test_kill_9_mid_batch_loses_nothing_finished(subs, tmp_path):
    (subs / "zz_slow.py").write_text("import time\ntime.sleep(120)\n")  # sorted last
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader.cli", "grade", "inf264-ex4", str(subs), "--out", str(out),
           "--backend", "serial", "--unsafe-no-sandbox"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/report.json"))) < N and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.json")}
    assert len(finished) == N and not (out / "gradebook.csv").exists()
    assert not list(out.glob("*/.*.partial"))

    (subs / "zz_slow.py").write_text("z = 3\n")
    sheet = load_sheet("inf264-ex4")
    result = grade_batch(sheet, subs, out, ProcessRunner(sheet.spec.limits))
    assert result.graded == ["zz_slow"] and sorted(result.resumed) == sorted(finished)
    assert {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.json")
            if p.parent.name != "zz_slow"} == finished
    assert len((out / "gradebook.csv").read_text().splitlines()) == N + 2
