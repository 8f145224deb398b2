"""The container level: the policy's argv, the doctor's verdict in a Docker-like process (Docker's
default capabilities: bubblewrap cannot run), and hostile submissions graded there for real."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import sys
import tempfile
from pathlib import Path

import pytest
from pydantic import ValidationError

from grader.grading.reference import lock_sheet
from grader.sandbox import container
from grader.sandbox.container import ContainerPolicy, ContainerRunner, container_argv, kill_argv
from grader.sandbox.doctor import Diagnosis, Probe, SandboxUnavailable, choose_runner
from grader.sandbox.process import ProcessRunner
from grader.sheet import load_sheet
from grader.sheet.spec import Limits
from tests.sandbox.docker import DOCKER_CAP_EFF, in_docker

FIXTURE = Path(__file__).resolve().parent / "fixture"
GRADER = str(Path(sys.executable).parent / "grader")
DROP = ["--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]


def test_argv_drops_to_the_policy_uid_with_nothing_left():
    policy = ContainerPolicy(uid=65003, memory_mib=512, max_processes=32)
    assert container_argv(policy, ["python", "x.py"]) == [
        "/usr/bin/setpriv", "--reuid=65003", "--regid=65003", *DROP, "python", "x.py"]
    assert kill_argv(policy, "py")[:-1] == ["/usr/bin/setpriv", "--reuid=65003", "--regid=65003", *DROP,
                                            "py", "-I", "-S", "-c"]
    assert "os.kill(-1, 9)" in kill_argv(policy, "py")[-1]


def test_policy_never_runs_as_root():
    with pytest.raises(ValidationError):
        ContainerPolicy(uid=0, memory_mib=512, max_processes=32)


def test_open_to_others_follows_every_folder_on_the_way(tmp_path):
    closed = tmp_path / "closed"
    (closed / "inner").mkdir(parents=True)
    closed.chmod(0o700)
    assert not container.open_to_others(closed / "inner" / "expected.lock.json")
    opened = Path("/")  # every folder on the way (none) is searchable
    assert container.open_to_others(opened)
    closed.chmod(0o755)
    tmp_path.chmod(0o755)
    assert container.open_to_others(closed / "not yet made") == all(
        p.stat().st_mode & stat.S_IXOTH for p in [*tmp_path.parents, tmp_path])


def _diagnosis(level):
    return Diagnosis(level=level, probes=[Probe(name="bubblewrap", ok=False, detail="no namespaces"),
                                          Probe(name="cgroup limits", ok=False, detail=""),
                                          Probe(name="seccomp filter", ok=False, detail=""),
                                          Probe(name="container", ok=level == "container", detail="")])


def test_the_container_level_is_chosen_only_by_name_and_only_for_closed_folders(tmp_path):
    with pytest.raises(SandboxUnavailable, match="--isolation container"):
        choose_runner(Limits(), diagnosis=_diagnosis("container"))
    with pytest.raises(SandboxUnavailable, match="cannot hide /"):
        choose_runner(Limits(), allow_container=True, private=[Path("/usr/share")],
                      diagnosis=_diagnosis("container"))
    tmp_path.chmod(0o700)
    runner = choose_runner(Limits(), allow_container=True, private=[tmp_path],
                           diagnosis=_diagnosis("container"))
    assert isinstance(runner, ContainerRunner) and runner.isolation.startswith("container (")
    assert "NOT isolated" in runner.isolation
    assert isinstance(choose_runner(Limits(), allow_container=True, allow_unsandboxed=True,
                                    diagnosis=_diagnosis("none")), ProcessRunner)


@pytest.mark.sandbox
@pytest.mark.runs_code
def test_doctor_in_a_docker_like_process_names_the_container_level():
    done = in_docker(f"grep CapEff /proc/self/status; {shlex.quote(GRADER)} doctor")
    out = done.stdout
    assert DOCKER_CAP_EFF in out, out  # exactly Docker's default capabilities
    assert "NO  bubblewrap" in out and "Operation not permitted" in out, out
    assert "ok  container" in out and "NOT isolated" in out and "isolation: container" in out, out
    assert done.returncode == 0, done.stderr


def denied(code: str) -> str:
    """A script that sets observed='blocked' only when ``code`` fails with permission denied."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    return (f"z = 3.0\ntry:\n{body}\n    observed = 'NOT BLOCKED'\n"
            "except PermissionError:\n    observed = 'blocked'\nexcept Exception as exc:\n"
            "    observed = 'other error: ' + repr(exc)\n")


# Double fork and a new session: out of the driver's process group. It outlives the run unless
# the runner kills every process of its uid; the test then finds the file it writes later.
OUTLIVE = """import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        open({canary!r} + '/pid', 'w').write(str(os.getpid()))
        time.sleep(60)
        open({canary!r} + '/outlived', 'w').write('still running')
        os._exit(0)
    os._exit(0)
observed = 'cheat'
z = 0.0
"""

ATTACKS = {
    "honest": ("observed = 'blocked'\nz = 3.0\n", 1.0),
    "read_lock": (denied("open({lock!r}).read()"), 1.0),
    "read_reference": (denied("open({reference!r}).read()"), 1.0),
    "write_output_folder": (denied("open({out!r} + '/honest/report.json', 'w').write('{{}}')"), 1.0),
    "write_results_folder": (denied("open({results!r} + '/results.json', 'w').write('99')"), 1.0),
    "outlive_the_run": (OUTLIVE, 0.0),
    "is_unprivileged": (denied("import os\nassert os.getuid() >= 65000 and os.getgroups() == []\n"
                               "caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')]\n"
                               "assert caps == ['CapEff:\\t0000000000000000\\n']\n"
                               "raise PermissionError('as it should be')"), 1.0),
}


def _alive_from(canary: Path) -> list[str]:
    """What outlived the run: its process (the pid it wrote; checked, not waited for, so a slow
    machine cannot make it look alive) or the file it writes a minute later."""
    pid = int((canary / "pid").read_text())
    alive = Path(f"/proc/{pid}").exists() and (Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0)
    return [f"pid {pid}"] * alive + [p.name for p in canary.iterdir() if p.name != "pid"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("container")  # under pytest's 0700 folder: closed to others
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    sheet = load_sheet(root / "sheets" / "hostile")
    lock_sheet(sheet, ProcessRunner(sheet.spec.limits))  # the reference is trusted
    shared = Path(os.environ.get("TMPDIR", "/tmp"))
    results = Path(tempfile.mkdtemp(prefix="grader-test-results-", dir=shared))  # as /autograder/results
    canary = Path(tempfile.mkdtemp(prefix="grader-test-canary-", dir=shared))
    results.chmod(0o755)
    canary.chmod(0o777)  # writable by anyone: only a dead process leaves it empty
    subs, out = root / "subs", root / "out"
    subs.mkdir()
    for name, (script, _) in ATTACKS.items():
        (subs / f"{name}.py").write_text(script.format(
            lock=str(sheet.lock_path), reference=str(sheet.reference_dir / "solution.py"), out=str(out),
            results=str(results), canary=str(canary)))
    try:
        done = in_docker(shlex.join([GRADER, "grade", str(sheet.folder), str(subs), "--out", str(out),
                                     "--isolation", "container", "--backend", "serial", "--quiet"]))
        assert done.returncode == 0, done.stdout + done.stderr
        reports = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/report.json")}
        yield reports, list(results.iterdir()), _alive_from(canary)
    finally:
        shutil.rmtree(results)
        shutil.rmtree(canary)


@pytest.mark.sandbox
@pytest.mark.runs_code
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_submission_changes_nothing(batch, name):
    report = batch[0][name]
    checks = {c["answer"]: c for c in report["tasks"][0]["checks"]}
    assert report["score"] == ATTACKS[name][1], checks
    assert report["run"]["isolation"].startswith("container (")


@pytest.mark.sandbox
@pytest.mark.runs_code
def test_nothing_outlives_its_run_or_writes_where_it_may_not(batch):
    _, results, canary = batch
    assert results == [] and canary == []
    assert not any(container.processes_of(uid) for uid in range(container.UID_BASE,
                                                                 container.UID_BASE + container.UID_SLOTS))
