"""Whichever backend runs the jobs, the reports and the gradebook are byte-identical."""

import json
import re
from pathlib import Path

import pytest

from grader.backends.local import LocalBackend
from grader.backends.serial import SerialBackend
from grader.grade import grade_batch
from grader.runner import ProcessRunner
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
    from grader.backends import local

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
    from grader.backends.dask import DaskBackend

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
    from grader.backends.dask import DaskBackend
    from grader.sheet import SheetError

    assert DaskBackend("local:3").local == 3
    with pytest.raises(SheetError, match="tcp://HOST:PORT or local:N"):
        DaskBackend("http://example")
    with pytest.raises(SheetError, match="number of workers"):
        DaskBackend("local:many")
