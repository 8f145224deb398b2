"""Sandbox overhead: a trivial notebook through the bare ProcessRunner and through BwrapRunner.

Runs alternate (bare, sandbox, bare, ...) so machine noise hits both alike; medians are
compared. Target: the sandbox adds less than 5% to a trivial notebook's run. Exit 1 if missed.

    .venv/bin/python benchmarks/sandbox_overhead.py [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from grader.sandbox.bwrap import BwrapRunner
from grader.sandbox.doctor import diagnose
from grader.sandbox.job import Job
from grader.sandbox.process import ProcessRunner, Runner
from grader.sheet.spec import Limits

TARGET = 1.05


def trivial_job(folder: Path) -> Job:
    cell = nbformat.v4.new_code_cell("import numpy as np\nx = np.ones(3).sum()")
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(nb, folder / "nb.ipynb")
    return Job(source=str(folder / "nb.ipynb"), kind="notebook", workdir=str(folder), answers=["x"],
               probe_timeout_s=5, cell_timeout_s=30, total_timeout_s=60, max_output_chars=10_000,
               max_cells=10)


def timed(runner: Runner, job: Job) -> float:
    start = time.perf_counter()
    result = runner.run(job)
    assert result.status == "completed" and "x" in result.answers, result
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    diagnosis = diagnose()
    if diagnosis.level == "none":
        print("no sandbox on this machine (grader doctor)")
        return 1
    limits = Limits()
    runners: dict[str, Runner] = {"bare": ProcessRunner(limits),
                                  "sandbox": BwrapRunner(limits, diagnosis.features)}
    times: dict[str, list[float]] = {name: [] for name in runners}
    with tempfile.TemporaryDirectory() as tmp:
        job = trivial_job(Path(tmp))
        for runner in runners.values():
            timed(runner, job)  # warm the file cache
        for _ in range(args.runs):
            for name, runner in runners.items():
                times[name].append(timed(runner, job))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    ratio = med["sandbox"] / med["bare"]
    print(f"{'runner':<10}{'median s':>10}{'min s':>10}{'max s':>10}")
    for name, ts in times.items():
        print(f"{name:<10}{med[name]:>10.3f}{min(ts):>10.3f}{max(ts):>10.3f}")
    verdict = "ok" if ratio < TARGET else "MISSED"
    print(f"sandbox / bare = {ratio:.3f} (target < {TARGET}) {verdict}; isolation: {diagnosis.level}")
    return 0 if ratio < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
