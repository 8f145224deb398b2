"""Hostile submissions, graded for real in bubblewrap: each ends as a specific line in that
student's report, nothing outside the sandbox changes, and an honest student graded in the
same batch keeps exactly the score it gets alone."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.grading.batch import grade_batch
from grader.grading.reference import lock_sheet
from grader.sandbox.doctor import choose_runner, diagnose
from grader.sandbox.process import ProcessRunner
from grader.sheet import SHEETS_ROOT, load_sheet

pytestmark = [pytest.mark.sandbox, pytest.mark.runs_code]
FIXTURE = Path(__file__).resolve().parent / "fixture"
REPO = Path(__file__).resolve().parents[2]
BLOCKED = "observed = 'blocked'\nz = 3.0\n"


def attempt(code: str) -> str:
    """A script that sets observed='blocked' when ``code`` raises, else records what it got."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    return (f"z = 3.0\ntry:\n{body}\n    observed = 'NOT BLOCKED: ' + repr(locals().get('got'))[:200]\n"
            "except Exception as exc:\n    observed = 'blocked'\n")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    if diagnose().level != "full":
        # In CI a missing sandbox is a failure; on a laptop without root, a skip with the reason.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "the sandbox is not fully available here (cgroups need root): run `grader doctor`")
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    sheet = load_sheet(root / "sheets" / "hostile")
    runner = choose_runner(sheet.spec.limits)
    lock_sheet(sheet, runner)
    return root, sheet, runner


OTHER = "honest"

# name -> (script, what the report must say)
ATTACKS = {
    "read_shadow": (attempt("got = open('/etc/shadow').read()"), "passed"),
    "read_lock": (attempt("got = open({lock!r}).read()"), "passed"),
    "read_reference": (attempt("got = open({reference!r}).read()"), "passed"),
    "read_grader_source": (attempt("got = open({grader_src!r}).read()"), "passed"),
    "read_other_student": (attempt("got = open({other!r}).read()"), "passed"),
    "list_output_folder": (attempt("import os\ngot = os.listdir({out!r})"), "passed"),
    "write_outside": (attempt("open({canary!r}, 'w').write('owned')\ngot = 'wrote'"), "passed"),
    "write_host_home": (attempt("open('/root/owned', 'w').write('x')\ngot = 'wrote'"), "passed"),
    "socket_outside": (attempt("import socket\ngot = socket.create_connection(('1.1.1.1', 80), 2)"),
                       "passed"),
    "socket_host_localhost": (attempt("import socket\ngot = socket.create_connection(('127.0.0.1', 22), 2)"),
                              "passed"),
    "ptrace_denied": (attempt("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                              "assert libc.ptrace(16, 1, 0, 0) == 0\ngot = 'attached'"), "passed"),
    "mount_denied": (attempt("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                             "assert libc.unshare(0x00020000) == 0\ngot = 'new mount ns'"), "passed"),
    "is_unprivileged": (attempt("import os\nassert os.getuid() == 0 or os.geteuid() == 0\ngot = 'root'"),
                        "passed"),
    # CapInh, CapPrm, CapEff, CapBnd and CapAmb all zero
    "has_no_capabilities": (attempt("lines = open('/proc/self/status').read().splitlines()\n"
                                    "caps = [x.split()[1] for x in lines if x.startswith('Cap')]\n"
                                    "assert any(int(c, 16) for c in caps)\ngot = caps"), "passed"),
    "sees_only_its_own_processes": (attempt("import os\n"
                                            "pids = [p for p in os.listdir('/proc') if p.isdigit()]\n"
                                            "assert any(int(p) > 50 for p in pids)\ngot = pids"), "passed"),
    "infinite_loop": ("z = 3.0\nobserved = 'blocked'\n# %%\nwhile True:\n    pass\n", "CellTimeout"),
    "sleep_forever": ("z = 3.0\nobserved = 'blocked'\n# %%\nimport time\ntime.sleep(10**6)\n", "CellTimeout"),
    "ignores_signals": ("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                        "while True:\n    time.sleep(1)\n", "timeout"),
    "fork_bomb": ("z = 3.0\nobserved = 'blocked'\n# %%\nimport os\nwhile True:\n    os.fork()\n",
                  "BlockingIOError|timeout"),
    "thread_bomb": (attempt("import threading, time\n"
                            "for _ in range(100000):\n"
                            "    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
                            "got = 'all started'"), "passed"),
    "allocate_20_gib": ("z = 3.0\nimport numpy as np\nx = np.ones(20 * 2**30 // 8)\n", "memory"),
    "write_10_gib_file": (attempt("with open('big', 'wb') as fh:\n"
                                  "    for _ in range(10 * 1024):\n        fh.write(b'0' * 2**20)\n"
                                  "got = 'written'"), "passed"),
    "print_1_gib": ("z = 3.0\nobserved = 'blocked'\nline = 'x' * 2**20\nfor _ in range(1024):\n"
                    "    print(line)\n", "passed"),
    "os_exit": ("z = 3.0\nobserved = 'blocked'\nimport os\nos._exit(0)\n", "exit code 0"),
    "sys_exit_midway": ("z = 3.0\n# %%\nimport sys\nsys.exit(1)\n# %%\nobserved = 'blocked'\n", "passed"),
    # results leave on a pipe: there is no folder where a result file, a symlink or a FIFO could go
    "result_file": (attempt("import os\nos.symlink('/etc/passwd', '/sandbox/out/result.json')"), "passed"),
    "lying_eq": ("class Liar(float):\n    def __eq__(self, other):\n        return True\n"
                 "z = Liar(4.0)\nobserved = 'blocked'\n", "unsupported type"),
    "raising_array": ("class Bad:\n    def __array__(self, *a, **k):\n        raise RuntimeError('no')\n"
                      "    def __float__(self):\n        raise RuntimeError('no')\n"
                      "z = Bad()\nobserved = 'blocked'\n", "unsupported type"),
    "patched_json": ("import json\njson.dumps = lambda *a, **k: 'garbage'\n" + BLOCKED, "passed"),
    "patched_numpy": ("import sys\nsys.modules['numpy'] = None\n" + BLOCKED, "passed"),
}


def _zip(path: Path, name: str, data: bytes, mode: int | None = None) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.external_attr = mode << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, data)


def _notebook(*cells: str) -> bytes:
    return nbformat.writes(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells])).encode()


# name -> (file to write, what the report must say)
FILES = {
    "zip_traversal.zip": (lambda p: _zip(p, "../../evil.py", b"x = 1"), "outside the submission folder"),
    "zip_absolute.zip": (lambda p: _zip(p, "/etc/evil.py", b"x = 1"), "outside the submission folder"),
    "zip_symlink.zip": (lambda p: _zip(p, "s.py", b"/etc/shadow", stat.S_IFLNK | 0o777), "link or special"),
    "zip_bomb.zip": (lambda p: _zip(p, "big.py", b"#" * (300 * 2**20)), "zip bomb"),
    "nb_not_json.ipynb": (lambda p: p.write_bytes(b"{this is not json"), "not a readable Jupyter notebook"),
    "nb_not_utf8.ipynb": (lambda p: p.write_bytes(b"\xff\xfe\x00\x01"), "not UTF-8"),
    "nb_100k_cells.ipynb": (lambda p: p.write_bytes(_notebook(*["x = 1"] * 100_000)), "100000 code cells"),
    "nb_kills_kernel.ipynb": (lambda p: p.write_bytes(_notebook(
        "z = 3.0", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")), "kernel stopped"),
}


def _expand(script: str, root: Path, sheet, out: Path, subs: Path) -> str:
    return script.format(lock=str(sheet.lock_path), reference=str(sheet.reference_dir / "solution.py"),
                         grader_src=str(REPO / "grader" / "cli.py"), other=str(subs / f"{OTHER}.py"),
                         out=str(out), canary=str(root / "canary.txt"))


@pytest.fixture(scope="module")
def batch(setup):
    root, sheet, runner = setup
    subs, out = root / "subs", root / "out"
    subs.mkdir()
    (root / "canary.txt").write_text("untouched")
    (subs / f"{OTHER}.py").write_text(BLOCKED)
    for name, (script, _) in ATTACKS.items():
        (subs / f"{name}.py").write_text(_expand(script, root, sheet, out, subs))
    for name, (write, _) in FILES.items():
        write(subs / name)
    result = grade_batch(sheet, subs, out, runner)
    return root, {r.student: r for r in result.reports}


def _observed(report):
    return next(c for c in report.tasks[0].checks if c.answer == "observed")


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_ends_as_a_specific_line(batch, name):
    report = batch[1][name]
    expect = ATTACKS[name][1]
    text = " ".join([report.run.status, report.run.message, *(e.error for e in report.run.cell_errors),
                     *(c.message for c in report.tasks[0].checks)])
    if expect == "passed":
        assert _observed(report).status == "passed", _observed(report).message
    else:
        assert any(word in text for word in expect.split("|")), text


@pytest.mark.parametrize("name", sorted(FILES))
def test_broken_file_ends_as_a_specific_line(batch, name):
    report = batch[1][Path(name).stem]
    expect = FILES[name][1]
    assert report.score == 0 and expect in f"{report.run.status}: {report.run.message}", report.run


def test_honest_student_in_the_same_batch_is_unaffected(batch):
    assert batch[1][OTHER].score == 1.0 and batch[1][OTHER].run.status == "completed"


def test_host_files_are_untouched(batch):
    assert (batch[0] / "canary.txt").read_text() == "untouched"
    assert (batch[0] / "subs" / f"{OTHER}.py").read_text() == BLOCKED
    assert not Path("/root/owned").exists()


def test_no_sandbox_processes_or_cgroups_survive(batch):
    leftover = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                and "grader-sbx" in (p / "cmdline").read_bytes().decode(errors="replace")]
    assert leftover == []
    for controller in ("memory", "pids"):
        group = Path("/sys/fs/cgroup") / controller / "grader"
        if group.is_dir():
            assert not [d for d in group.iterdir() if d.name.startswith("run-")]


def test_report_records_the_isolation_level(batch):
    isolation = batch[1][OTHER].run.isolation
    assert "bubblewrap" in isolation and "seccomp" in isolation and "cgroup" in isolation


def test_scores_are_the_same_with_and_without_the_sandbox(setup, tmp_path):
    sheet = load_sheet(SHEETS_ROOT / "waterloo-a2-1")
    subs = REPO / "submissions_example" / "waterloo-a2-1"
    boxed = grade_batch(sheet, subs, tmp_path / "a", choose_runner(sheet.spec.limits))
    bare = grade_batch(sheet, subs, tmp_path / "b", ProcessRunner(sheet.spec.limits))
    assert [(r.student, r.score, r.tasks) for r in boxed.reports] == \
        [(r.student, r.score, r.tasks) for r in bare.reports]
