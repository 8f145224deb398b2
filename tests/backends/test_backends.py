"""Whichever backend runs the jobs, the reports and the gradebook are byte-identical."""

import json
import re
from pathlib import Path

import pytest

from grader.grading.backends.local import LocalBackend
from grader.grading.backends.serial import SerialBackend
from grader.grading.batch import grade_batch
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet

pytestmark = pytest.mark.runs_code
REPO = Path(__file__).resolve().parents[2]


def without_timing(path: Path) -> dict:
    data = json.loads(path.read_text())
    data["run"].pop("duration_s")
    return data


def untimed(path: Path) -> str:
    return re.sub(r" in (under )?\d+\.\d s", "", path.read_text())


def test_serial_and_local_pool_give_identical_results(tmp_path):
    sheet = load_sheet("inf264-ex4")
    subs = REPO / "submissions_example" / "inf264-ex4"
    runner = ProcessRunner(sheet.spec.limits)
    serial = grade_batch(sheet, subs, tmp_path / "serial", runner, backend=SerialBackend())
    local = grade_batch(sheet, subs, tmp_path / "local", runner, backend=LocalBackend(2))
    a, b = tmp_path / "serial", tmp_path / "local"
    assert (a / "gradebook.csv").read_bytes() == (b / "gradebook.csv").read_bytes()
    assert sorted(serial.graded) == sorted(local.graded)
    for student in serial.graded:
        assert without_timing(a / student / "report.json") == without_timing(b / student / "report.json")
        assert untimed(a / student / "feedback.md") == untimed(b / student / "feedback.md")


def test_a_pool_of_one_grades_in_this_process(tmp_path, monkeypatch):
    from grader.grading.backends import local

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker process was started for a single job slot")

    monkeypatch.setattr(local, "ProcessPoolExecutor", no_pool)
    sheet = load_sheet("inf264-ex4")
    subs = REPO / "submissions_example" / "inf264-ex4"
    result = grade_batch(sheet, subs, tmp_path / "one", ProcessRunner(sheet.spec.limits),
                         backend=LocalBackend(1))
    assert len(result.graded) == len(list(subs.iterdir())) and (tmp_path / "one" / "gradebook.csv").exists()


def test_dask_local_cluster_gives_identical_results(tmp_path):
    pytest.importorskip("distributed")
    from grader.grading.backends.dask import DaskBackend

    sheet = load_sheet("inf264-ex4")
    subs = REPO / "submissions_example" / "inf264-ex4"
    runner = ProcessRunner(sheet.spec.limits)
    serial = grade_batch(sheet, subs, tmp_path / "serial", runner, backend=SerialBackend())
    dask = grade_batch(sheet, subs, tmp_path / "dask", runner, backend=DaskBackend("local:2"))
    a, b = tmp_path / "serial", tmp_path / "dask"
    assert (a / "gradebook.csv").read_bytes() == (b / "gradebook.csv").read_bytes()
    assert sorted(serial.graded) == sorted(dask.graded)
    for student in serial.graded:
        assert without_timing(a / student / "report.json") == without_timing(b / student / "report.json")


def test_dask_scheduler_addresses_are_checked():
    from grader.grading.backends.dask import DaskBackend
    from grader.sheet import SheetError

    assert DaskBackend("local:3").local == 3
    with pytest.raises(SheetError, match="tcp://HOST:PORT or local:N"):
        DaskBackend("http://example")
    with pytest.raises(SheetError, match="number of workers"):
        DaskBackend("local:many")


@pytest.fixture
def external_dask(tmp_path):
    """`dask scheduler` and a `dask worker` as their own processes, started from another folder,
    as a course's cluster would be."""
    pytest.importorskip("distributed")
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    quiet = {"cwd": elsewhere, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"], **quiet)]
    time.sleep(2)
    procs.append(subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                   "--no-dashboard"], **quiet))
    try:
        yield address
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


def test_an_external_dask_cluster_grades_a_relative_submissions_path(tmp_path, external_dask, monkeypatch):
    """The README writes SUBMISSIONS relative to the repository: the plan carries absolute paths."""
    from grader.grading.backends.dask import DaskBackend

    monkeypatch.chdir(REPO)
    sheet = load_sheet("inf264-ex4")
    subs = Path("submissions_example") / "inf264-ex4"
    runner = ProcessRunner(sheet.spec.limits)
    serial = grade_batch(sheet, subs, tmp_path / "serial", runner, backend=SerialBackend())
    dask = grade_batch(sheet, subs, tmp_path / "dask", runner, backend=DaskBackend(external_dask))
    assert sorted(dask.graded) == sorted(serial.graded)
    assert all(r.run.status != "grader_error" for r in dask.reports)
    gradebooks = [(tmp_path / name / "gradebook.csv").read_bytes() for name in ("serial", "dask")]
    assert gradebooks[0] == gradebooks[1]


def test_a_worker_that_fails_is_that_students_report_not_the_batchs_end():
    from grader.grading.backends.worker import Plan, received
    from grader.grading.discover import discover
    from grader.sheet.lock import require_fresh_lock

    class Failed:
        def result(self) -> str:
            raise FileNotFoundError("No such file or directory: 'submissions_example/x'")

    sheet = load_sheet("inf264-ex4")
    sub = discover(REPO / "submissions_example" / "inf264-ex4")[0]
    report = received(Plan(sheet, require_fresh_lock(sheet), ProcessRunner()), sub, Failed()).report
    assert report.student == sub.student and report.run.status == "grader_error"
    assert "FileNotFoundError" in report.run.grader_error
