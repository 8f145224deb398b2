"""One batch, many ways to stop, stall or skew it, and an honest student who keeps her exact score.

Each entry below once ended the batch (a FIFO or a directory where the result went, a result
nested 100,000 levels, an int64 holding 10**30, figures that are not dicts, a 3,000-level tree,
a disk filled, duplicate zip entries, an honest hw4/hw4 zip, a corrupt deflate stream, a file
named gradebook.csv.py, a name that is not UTF-8, two entries for one id) or skewed its outputs
(a formula for an id). Graded together, in the real sandbox, every one becomes its own report.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.sandbox.doctor import choose_runner, diagnose
from grader.sheet import load_sheet

pytestmark = [pytest.mark.sandbox, pytest.mark.runs_code]
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "submissions_example" / "inf264-ex4"
BOB = 7.444444  # bob.py's score: every automatic point (manual ones pending)
FD = "cmd = open('/proc/self/cmdline').read().split(chr(0))\nimport os\nfd = int(cmd[5])\n"


def forged(payload: str) -> str:
    """A script that sends the grader its own first frame on the result channel."""
    return FD + f"data = ({payload}).encode()\nos.write(fd, str(len(data)).encode() + b'\\n' + data)\n"


SCRIPTS = {
    "fifo_everywhere": "import os\nfor p in ('result.json', '/tmp/result.json', 'answers.json'):\n"
                       "    os.mkfifo(p)\nz = 1.0\n",
    "deep_result": forged("'[' * 100000 + ']' * 100000"),
    "int64_overflow": forged("'{\"status\": \"completed\", \"answers\": {\"y_hat\": {\"$array\": {\"dtype\": "
                             "\"int64\", \"shape\": [1], \"data\": [' + str(10**30) + ']}}}}'"),
    "figures_not_dicts": forged("'{\"status\": \"completed\", \"figures\": [1, \"x\", [[]]]}'"),
    "deep_tree": "import os\nos.chdir('/tmp')\nfor _ in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\n"
                 "z = 1.0\n",
    "fill_disk": "import os\nos.makedirs('many', exist_ok=True)\ntry:\n    for i in range(100000):\n"
                 "        open(f'many/{i}', 'w').close()\n    with open('/tmp/big', 'wb') as fh:\n"
                 "        for _ in range(2048):\n            fh.write(b'x' * 2**20)\n"
                 "except OSError:\n    pass\nz = 1.0\n",
    "=1+1": "z = 1.0\n",
    "gradebook.csv": (EXAMPLES / "bob.py").read_text(),
}


def _zip(path: Path, entries: list[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the duplicate entry is the point
        for name, data in entries:
            zf.writestr(name, data)


def _corrupt_deflate(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("exercise4.py", b"z = 1.0\n" * 2000)
    data = bytearray(path.read_bytes())
    data[60:90] = b"\xff" * 30  # inside the compressed stream
    path.write_bytes(bytes(data))


def build(folder: Path) -> None:
    shutil.copytree(EXAMPLES / "alice", folder / "alice")
    bob = (EXAMPLES / "bob.py").read_bytes()
    (folder / "alice.py").write_bytes(bob)  # a second entry whose id is also "alice"
    for name, text in SCRIPTS.items():
        (folder / f"{name}.py").write_text(text)
    _zip(folder / "duplicate.zip", [("a.py", bob), ("a.py", b"z = 2\n")])
    _zip(folder / "hw4.zip", [("hw4/hw4/exercise4.py", bob)])
    _corrupt_deflate(folder / "corrupt.zip")
    (folder / os.fsdecode(b"caf\xe9.py")).write_bytes(bob)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if diagnose().level != "full":
        (pytest.fail if os.environ.get("CI") else pytest.skip)("the sandbox is not fully available here")
    sheet = load_sheet("inf264-ex4")
    runner = choose_runner(sheet.spec.limits)
    alone = tmp_path_factory.mktemp("alone")
    shutil.copytree(EXAMPLES / "alice", alone / "subs" / "alice")
    honest = grade_batch(sheet, alone / "subs", alone / "out", runner).reports[0]
    root = tmp_path_factory.mktemp("hostile-batch")
    build(root / "subs")
    (root / "tmp").mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(root / "tmp")  # the grader's scratch, alone
    try:
        result = grade_batch(sheet, root / "subs", root / "out", runner)
    finally:
        tempfile.tempdir = saved
    return honest, result, root / "out", root / "tmp"


def test_every_entry_has_its_own_report_and_the_honest_student_her_exact_score(batch):
    honest, result, out, _ = batch
    reports = {r.student: r for r in result.reports}
    assert len(reports) == len(result.reports) == 14
    assert reports["alice"].score == honest.score and reports["alice"].tasks == honest.tasks
    assert reports["alice.py"].score == reports["gradebook.csv-submission"].score == BOB
    for student in reports:
        assert (out / student / "report.json").is_file()


@pytest.mark.parametrize(("student", "status", "says"), [
    ("fifo_everywhere", "completed", ""),
    ("deep_result", "malformed_result", "nested too deeply"),
    ("figures_not_dicts", "completed", ""),
    ("deep_tree", "completed", ""),
    ("fill_disk", "completed", ""),
    ("duplicate", "invalid_submission", "two entries named"),
    ("corrupt", "invalid_submission", "cannot be"),
])
def test_each_hostile_entry_is_a_line_in_its_own_report(batch, student, status, says):
    reports = {r.student: r for r in batch[1].reports}
    assert reports[student].run.status == status and says in reports[student].run.message


def test_an_out_of_range_number_is_that_answers_error(batch):
    report = {r.student: r for r in batch[1].reports}["int64_overflow"]
    (y_hat,) = [c for t in report.tasks for c in t.checks if c.answer == "y_hat"]
    assert report.run.status == "completed" and report.run.grader_error == ""
    assert y_hat.status == "error" and "could not be read back" in y_hat.message


def test_the_honest_zip_layout_and_the_non_utf8_name_are_graded(batch):
    reports = {r.student: r for r in batch[1].reports}
    assert reports["hw4"].score == reports["caf\ufffd"].score == BOB


def test_outputs_stay_inert_and_distinct(batch):
    _, result, out, _ = batch
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    students = [r["student"] for r in rows]
    assert len(students) == len(set(students)) == 14
    assert "'=1+1" in students and "=1+1" not in students
    assert (out / "gradebook.csv").is_file() and result.warnings  # the renamed ids are listed


def test_no_scratch_is_left_behind(batch):
    *_, scratch = batch
    assert os.listdir(scratch) == []
