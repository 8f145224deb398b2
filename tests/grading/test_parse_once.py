"""The host reads what it graded once: the student's notebook once per submission (for the
located answers and the page of the notebook as it ran), each kept report once per resumed batch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from grader.grading import batch
from grader.grading.batch import grade_batch, ready_lock
from grader.grading.discover import discover
from grader.grading.submission import grade_executed
from grader.sandbox.job import Job, RunResult
from grader.sandbox.process import Closing
from grader.sheet import load_sheet

REPO = Path(__file__).resolve().parents[2]


class _Ran(Closing):
    """A run that completed and showed nothing: the host side alone is under test."""

    isolation = "none"

    def run(self, job: Job) -> RunResult:
        return RunResult(status="completed")

    def warm_up(self, executor: str) -> None:
        pass


def _counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[object]:
    calls: list[object] = []
    real = getattr(module, name)

    def counting(*args: Any) -> Any:
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(module, name, counting)
    return calls


def _alice(tmp_path: Path, text: str | None = None) -> Any:
    folder = tmp_path / "subs" / "alice"
    shutil.copytree(REPO / "submissions_example" / "inf264-ex4" / "alice", folder)
    if text is not None:
        (folder / "exercise4.ipynb").write_text(text)
    return discover(tmp_path / "subs")[0]


def test_a_notebook_is_parsed_once_for_the_located_answers_and_the_executed_page(monkeypatch, tmp_path):
    sheet = load_sheet("inf264-ex4")
    notebook = (REPO / "submissions_example" / "inf264-ex4" / "alice" / "exercise4.ipynb").read_text()
    loads = _counted(monkeypatch, json, "loads")
    graded = grade_executed(sheet, ready_lock(sheet), _alice(tmp_path), _Ran())
    assert loads.count(notebook) == 1
    located = [c.located for t in graded.report.tasks for c in t.checks if c.located]
    assert located and all(v.how == "heading" and v.blocks for v in located)
    assert graded.executed is not None and any(c.kind == "code" for c in graded.executed.cells)


def test_invalid_json_is_read_once_and_both_pages_say_so(monkeypatch, tmp_path):
    sheet = load_sheet("inf264-ex4")
    loads = _counted(monkeypatch, json, "loads")
    graded = grade_executed(sheet, ready_lock(sheet), _alice(tmp_path, '{"cells": ['), _Ran())
    assert loads == ['{"cells": [']
    located = [c.located for t in graded.report.tasks for c in t.checks if c.located]
    assert located and {v.detail for v in located} == {"the notebook could not be read"}
    assert graded.executed is not None
    assert [c.source for c in graded.executed.cells] == ["(the file is not a readable notebook)"]


def test_a_resumed_batch_reads_each_kept_report_once(monkeypatch, tmp_path):
    sheet = load_sheet("inf264-ex4")
    subs = tmp_path / "subs"
    shutil.copytree(REPO / "submissions_example" / "inf264-ex4", subs)
    first = grade_batch(sheet, subs, tmp_path / "out", _Ran())
    read = _counted(monkeypatch, batch, "previous_report")
    second = grade_batch(sheet, subs, tmp_path / "out", _Ran())
    assert second.graded == [] and len(second.resumed) == len(first.reports)
    assert sorted(read) == sorted(tmp_path / "out" / r.student for r in first.reports)
    assert second.reports == first.reports  # slimmed alike: no located answers kept in memory
    assert not any(c.located for r in second.reports for t in r.tasks for c in t.checks)
