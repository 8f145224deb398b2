"""One numeric notebook graded end to end: grader (nbclient and lean modes) vs bare nbclient,
``otter run`` and ``nbgrader autograde``, measured side by side, interleaved, in one run.

The notebook is the inf264-ex4 reference; otter and nbgrader get the equivalent of its seven
numeric checks (z, h, y_hat, dL_dw1, dL_dw2, w1_new, w2_new). otter-grader and nbgrader are
installed into a separate environment (``--peers`` folder, created on first use from the package
index), so they cannot slow down or change the grader's own environment. Every tool is timed
as a command a TA runs, process start included; our runs are sandboxed. Targets: grader's
nbclient mode within 1.25x of bare nbclient; lean mode >= 10x faster than otter run and
>= 5x faster than nbgrader autograde. Exit 1 if a target is missed.

    .venv/bin/python benchmarks/peer_graders.py [--rounds 5] [--peers .bench-peers]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "reference" / "inf264-ex4" / "solution.ipynb"
GRADER = Path(sys.executable).with_name("grader")
CHECKS = {"z": 3.0, "h": 3.0, "y_hat": 6.0, "dL_dw1": 2.0, "dL_dw2": 3.0, "w1_new": 2.8, "w2_new": 1.7}
BARE = "import nbformat, sys\nfrom nbclient import NotebookClient\n" \
       "nb = nbformat.read(sys.argv[1], as_version=4)\n" \
       "NotebookClient(nb, kernel_name='python3', shutdown_kernel='immediate').execute()\n"
NBGRADER_CONFIG = ("c = get_config()\nc.CourseDirectory.root = {root!r}\n"
                   "c.CourseDirectory.course_id = 'bench'\n")


def peers_env(folder: Path) -> Path:
    if not (folder / "bin" / "otter").exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "-q", "otter-grader", "nbgrader"], check=True)
    return folder / "bin"


def otter_zip(work: Path) -> Path:
    cases = [{"code": f">>> import numpy as np\n>>> bool(np.isclose({k}, {v}))\nTrue", "hidden": False,
              "locked": False} for k, v in CHECKS.items()]
    test = {"name": "q1", "points": len(cases), "suites": [
        {"cases": cases, "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
    path = work / "autograder.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tests/q1.py", f"OK_FORMAT = True\ntest = {test!r}\n")
        zf.writestr("otter_config.json", "{}")
        zf.writestr("requirements.txt", "")
    return path


def nbgrader_course(work: Path, bin_dir: Path) -> Path:
    """A course with one assignment whose notebook ends in seven autograded test cells."""
    import nbformat

    root = work / "course"
    (root / "source" / "ps1").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(root)))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for i, (k, v) in enumerate(CHECKS.items()):
        cell = nbformat.v4.new_code_cell(f"import numpy as np\nassert np.isclose({k}, {v})")
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"t{i}", "locked": True, "points": 1,
                                     "schema_version": 3, "solution": False, "task": False}
        nb.cells.append(cell)
    nbformat.write(nb, root / "source" / "ps1" / "ps1.ipynb")
    subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", "ps1", "--force"], cwd=root,
                   check=True, capture_output=True, env=path_env(bin_dir))
    (root / "submitted" / "alice" / "ps1").mkdir(parents=True)
    shutil.copy(root / "release" / "ps1" / "ps1.ipynb", root / "submitted" / "alice" / "ps1" / "ps1.ipynb")
    return root


def path_env(bin_dir: Path) -> dict[str, str]:
    """The tools' own environment first on PATH (nbgrader runs alembic by name)."""
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True,
                   env=path_env(Path(command[0]).parent))
    return time.perf_counter() - start


def sheet_variant(work: Path, executor: str) -> Path:
    """inf264-ex4 with the given executor, as a sheet folder of its own (the lock is re-made)."""
    root = work / executor
    shutil.copytree(REPO / "sheets" / "inf264-ex4", root / "sheets" / "inf264-ex4")
    shutil.copytree(REPO / "reference" / "inf264-ex4", root / "reference" / "inf264-ex4")
    spec = root / "sheets" / "inf264-ex4" / "sheet.yaml"
    spec.write_text(spec.read_text().replace("executor: lean", f"executor: {executor}"))
    subprocess.run([str(GRADER), "lock", str(spec.parent)], check=True, capture_output=True)
    (root / "subs" / "alice").mkdir(parents=True)
    shutil.copy(NOTEBOOK, root / "subs" / "alice" / "exercise4.ipynb")
    return root


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peers", type=Path, default=REPO / ".bench-peers")
    args = parser.parse_args()
    bin_dir = peers_env(args.peers.resolve())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(NOTEBOOK, work / "sub.ipynb")
        (work / "otter-out").mkdir()
        ag, course = otter_zip(work), nbgrader_course(work, bin_dir)
        variants = {name: sheet_variant(work, name) for name in ("nbclient", "lean")}

        def ours(name: str) -> list[str]:
            root = variants[name]
            return [str(GRADER), "grade", str(root / "sheets" / "inf264-ex4"), str(root / "subs"), "--out",
                    str(root / "out"), "--force", "--backend", "serial", "--quiet"]

        runs: dict[str, Callable[[], float]] = {
            "bare nbclient": lambda: timed([sys.executable, "-c", BARE, str(work / "sub.ipynb")], work),
            "grader, nbclient mode": lambda: timed(ours("nbclient"), work),
            "grader, lean mode": lambda: timed(ours("lean"), work),
            "otter run": lambda: timed([str(bin_dir / "otter"), "run", "-a", str(ag), "-o",
                                        str(work / "otter-out"), str(work / "sub.ipynb")], work),
            "nbgrader autograde": lambda: timed([str(bin_dir / "nbgrader"), "autograde", "ps1", "--force"],
                                                course),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):  # interleaved: a noisy neighbour hits every tool alike
            for name, run in runs.items():
                times[name].append(run())
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"{'tool':<24}{'median s':>10}{'min s':>8}")
    for name, ts in times.items():
        print(f"{name:<24}{med[name]:>10.2f}{min(ts):>8.2f}")
    lean = med["grader, lean mode"]
    nbclient = med["grader, nbclient mode"]
    figures = {"nbclient mode / bare nbclient": (nbclient / med["bare nbclient"], "<=", 1.25),
               "otter run / lean mode": (med["otter run"] / lean, ">=", 10.0),
               "nbgrader autograde / lean mode": (med["nbgrader autograde"] / lean, ">=", 5.0)}
    ok = True
    for label, (ratio, op, target) in figures.items():
        met = ratio <= target if op == "<=" else ratio >= target
        ok = ok and met
        print(f"{label} = {ratio:.2f} (target {op} {target}){'' if met else '  MISSED'}")
    print(json.dumps({k: round(v, 3) for k, v in med.items()}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
