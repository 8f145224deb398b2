"""The Gradescope autograder zip of a sheet: ``setup.sh``, ``run_autograder`` and the sources.

Gradescope builds an image with ``setup.sh``, copies each submission to
``/autograder/submission`` and runs ``run_autograder``, which must leave
``/autograder/results/results.json``. The zip carries the grader, the sheet (with its lock) and
the reference (the lock's freshness is checked against it), nothing of any student.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grader.sheet import REPO_ROOT, Sheet

SETUP = """#!/usr/bin/env bash
# Gradescope image setup: the sandbox (bubblewrap) and the grader in a virtual environment.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq bubblewrap python3-venv python3-pip >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q -e /autograder/source
/autograder/venv/bin/grader doctor
"""

RUN = """#!/usr/bin/env bash
# Grade the one submission Gradescope gives us and hand back results.json.
set -euo pipefail
rm -rf /tmp/grader-subs /tmp/grader-out
mkdir -p /tmp/grader-subs/submission /autograder/results
cp -r /autograder/submission/. /tmp/grader-subs/submission/
/autograder/venv/bin/grader grade /autograder/source/sheets/{sheet} /tmp/grader-subs \\
    --out /tmp/grader-out --backend serial --quiet
cp /tmp/grader-out/submission/gradescope.json /autograder/results/results.json
"""


def _add_tree(zf: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            zf.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def _add_text(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16  # executable scripts
    zf.writestr(info, text)


def write_bundle(sheet: Sheet, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP)
        _add_text(zf, "run_autograder", RUN.format(sheet=sheet.id))
        for name in ("pyproject.toml", "README.md"):
            zf.write(REPO_ROOT / name, f"source/{name}")
        _add_tree(zf, REPO_ROOT / "grader", "source/grader")
        _add_tree(zf, sheet.folder, f"source/sheets/{sheet.id}")
        _add_tree(zf, sheet.reference_dir, f"source/reference/{sheet.id}")
    return target
