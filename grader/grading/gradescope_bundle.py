"""The Gradescope autograder zip of a sheet: ``setup.sh``, ``run_autograder`` and the sources.

Gradescope unpacks the zip into ``/autograder/source``, so the zip's root is that folder:
``setup.sh`` and ``run_autograder`` next to ``pyproject.toml``, ``grader/``, ``sheets/<id>/``
(with its lock) and ``reference/<id>/`` (the lock's freshness is checked against it), nothing of
any student. It builds an image with ``setup.sh``, copies each submission to
``/autograder/submission`` and runs ``run_autograder`` from ``/autograder``, which must leave
``/autograder/results/results.json``. Its containers have Docker's default capabilities: no
bubblewrap there, so grading asks for the ``container`` level (README), which needs the lock and
the reference closed to others: both scripts make the source folder root's alone (0700).
``AUTOGRADER_ROOT`` (default ``/autograder``) and ``AUTOGRADER_VENV`` move both scripts elsewhere.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grader.report.writers.gradescope import GradescopeResults
from grader.sheet import REPO_ROOT, Sheet

SETUP = """#!/usr/bin/env bash
# Gradescope image setup: bubblewrap (used where the container allows it), then the grader in a
# virtual environment, installed from the folder this zip was unpacked into.
# AUTOGRADER_SKIP_APT=1 skips the system packages; an existing AUTOGRADER_VENV is reused.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="${AUTOGRADER_VENV:-$ROOT/venv}"
if [ -z "${AUTOGRADER_SKIP_APT:-}" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq bubblewrap python3-venv python3-pip >/dev/null
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q -e "$SOURCE"
# Student code may run as an unprivileged uid that sees the filesystem: the lock and the
# reference must stay root's.
chmod 700 "$SOURCE"
"$VENV/bin/grader" doctor
"""

RUN = """#!/usr/bin/env bash
# Grade the one submission Gradescope gives us and hand back results.json, whatever happens: if
# grading fails, the student gets score 0 and a neutral note; the staff see this log.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="${AUTOGRADER_VENV:-$ROOT/venv}"
RESULTS="$ROOT/results"

failed() {
    echo "AUTOGRADER FAILURE: $1; the student got score 0 and a note that the staff were told"
    rm -f "$RESULTS/results.json"
    printf '%s\\n' '@FAILED@' > "$RESULTS/results.json"
    exit 1
}

# Root's folders only: the submission is read, never trusted (no symlink is followed into ours).
mkdir -p "$RESULTS" && chmod 755 "$RESULTS" && rm -f "$RESULTS/results.json" || exit 1
chmod 700 "$SOURCE" || failed "cannot close $SOURCE to student code"
WORK=$(mktemp -d) || failed "no temporary folder"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/subs/submission" && cp -R -P "$ROOT/submission/." "$WORK/subs/submission/" \\
    || failed "cannot copy the submission"
"$VENV/bin/grader" grade "$SOURCE/sheets/@SHEET@" "$WORK/subs" --out "$WORK/out" \\
    --backend serial --quiet --isolation container || failed "grader grade exited with $?"
cp "$WORK/out/submission/gradescope.json" "$RESULTS/.results.json.partial" \\
    && mv -f "$RESULTS/.results.json.partial" "$RESULTS/results.json" || failed "no report was written"
"""

FAILED = GradescopeResults(
    score=0, execution_time=0, output_format="text", tests=[],
    output=("The autograder could not grade this submission. This is a problem with the autograder, "
            "not a judgement of your work: the course staff have been told and will look into it."))


def _add_tree(zf: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            zf.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def _add_text(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o100755 << 16  # executable scripts
    zf.writestr(info, text)


def run_script(sheet: Sheet) -> str:
    return RUN.replace("@SHEET@", sheet.id).replace("@FAILED@", FAILED.model_dump_json())


def write_bundle(sheet: Sheet, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP)
        _add_text(zf, "run_autograder", run_script(sheet))
        for name in ("pyproject.toml", "README.md"):
            zf.write(REPO_ROOT / name, name)
        _add_tree(zf, REPO_ROOT / "grader", "grader")
        _add_tree(zf, sheet.folder, f"sheets/{sheet.id}")
        _add_tree(zf, sheet.reference_dir, f"reference/{sheet.id}")
    return target
