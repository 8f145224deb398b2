"""ContainerRunner: the ``container`` level, for where bubblewrap cannot run but the grader is root.

A Docker container with Docker's default capabilities (Gradescope's) has no CAP_SYS_ADMIN, so no
namespaces. What is left, and what this level does: the driver runs as a uid of its own (one of
``UID_SLOTS``, held with a lock so parallel workers never share one), with no capabilities, no
supplementary groups and ``no_new_privs`` (``setpriv``), in fresh folders only that uid may
enter; rlimits on CPU time, file size, open files, memory (RLIMIT_DATA) and processes
(RLIMIT_NPROC, counted per uid: another reason for a uid per run). Before the result is read,
every process of that uid is killed, so nothing that outlived the notebook can rewrite it.
What it cannot do: the network and the filesystem are NOT isolated. The uid reads whatever is
readable by others, hence :func:`open_to_others`, which the caller uses to refuse a lock,
reference or output folder that such a uid could enter.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import resource
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import Field

from grader.frozen import Frozen
from grader.sandbox.job import Job, RunResult
from grader.sandbox.process import (
    HARNESS_DIR,
    Closing,
    ResourceLimits,
    Started,
    complete,
    driver_argv,
    harness_env,
)
from grader.sandbox.scratch import scratch_dir
from grader.sheet.spec import Limits

# 65000-65533: reserved by Debian policy, so no account owns them; below 65536, so they exist
# under Docker's user-namespace remapping too. Not 65534: nobody's processes are not ours to kill.
UID_BASE, UID_SLOTS = 65000, 64
SETPRIV = "/usr/bin/setpriv"
SLOTS_DIR = Path("/run/grader-container")
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")
_KILL_ALL = "import os\ntry:\n    os.kill(-1, 9)\nexcept OSError:\n    pass\n"  # -1: all of this uid's
_IDENTITY = ("import os\nst = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines()"
             " if ':\\t' in l)\n"
             "print(os.getuid(), os.getgid(), os.getgroups(), st['CapEff'], st['NoNewPrivs'])")


class ContainerPolicy(Frozen):
    uid: int = Field(ge=1, description="the run's own uid (and gid); never 0")
    memory_mib: int = Field(ge=1, description="RLIMIT_DATA")
    max_processes: int = Field(ge=1, description="RLIMIT_NPROC: processes and threads of the uid")


def container_argv(policy: ContainerPolicy, command: list[str]) -> list[str]:
    """``command`` as the policy's uid and gid: no groups, no capabilities (inherited, bounding,
    hence ambient), no privilege gain through exec (setuid binaries, file capabilities)."""
    return [SETPRIV, f"--reuid={policy.uid}", f"--regid={policy.uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", *command]


def kill_argv(policy: ContainerPolicy, python: str = sys.executable) -> list[str]:
    """Sent from inside the uid, kill(-1) reaches exactly that uid's processes, all at once."""
    return container_argv(policy, [python, "-I", "-S", "-c", _KILL_ALL])


def apply_limits(policy: ContainerPolicy) -> None:
    """The memory and process limits (preexec: inherited through setpriv by the driver)."""
    memory = policy.memory_mib * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (policy.max_processes, policy.max_processes))


def processes_of(uid: int) -> list[int]:
    """Live processes whose real, effective or saved uid is ``uid`` (zombies excluded: they run nothing)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                lines = Path(entry.path, "status").read_text().splitlines()
                fields = dict(line.split(":", 1) for line in lines if ":" in line)
                uids, state = fields["Uid"].split()[:3], fields["State"].split()[0]
                if str(uid) in uids and state not in ("Z", "X"):
                    found.append(int(entry.name))
    return found


def kill_all(policy: ContainerPolicy) -> None:
    """Kill every process of the uid, again until none is left (a fork may race the first kill)."""
    deadline = time.monotonic() + 10
    while processes_of(policy.uid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes of uid {policy.uid} survive SIGKILL: {processes_of(policy.uid)}")
        subprocess.run(kill_argv(policy), env={}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=False)
        time.sleep(0.01)


def remove_files_of(uid: int, folders: tuple[str, ...] = SHARED_TMP) -> None:
    """What the uid left in the shared temporary folders: the next run with this uid must not find it."""
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid == uid:
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.path, ignore_errors=True)
                        else:
                            os.unlink(entry.path)


@contextlib.contextmanager
def claimed_uid() -> Iterator[int]:
    """A uid of the pool that no account and no other run holds, locked while the block runs."""
    SLOTS_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    for uid in range(UID_BASE, UID_BASE + UID_SLOTS):
        if _has_account(uid):
            continue
        fd = os.open(SLOTS_DIR / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            os.close(fd)  # releases the lock
        return
    raise RuntimeError(f"all {UID_SLOTS} container uids are in use")


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def open_to_others(path: Path) -> bool:
    """Whether a uid with no groups could enter ``path`` (or the folder it would be made in): every
    existing folder from / down has the others' search bit. Modes only: ACLs are not read."""
    path = path.resolve()
    for folder in [*reversed(path.parents), path]:
        try:
            mode = folder.stat().st_mode
        except FileNotFoundError:
            break
        if not mode & stat.S_IXOTH:
            return False
    return True


def probe(python: str = sys.executable) -> tuple[bool, str]:
    """Run the interpreter as a pool uid, the way :class:`ContainerRunner` will; (usable, why)."""
    if os.geteuid() != 0:
        return False, "needs root (to run student code as an unprivileged uid)"
    if shutil.which("setpriv") is None:
        return False, "setpriv not found (Debian: apt-get install util-linux)"
    with claimed_uid() as uid:
        argv = container_argv(ContainerPolicy(uid=uid, memory_mib=256, max_processes=16),
                              [python, "-I", "-S", "-c", _IDENTITY])
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=30, env={}, cwd="/")
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, str(exc)
    if out.stdout.strip() != f"{uid} {uid} [] 0000000000000000 1":
        return False, f"uid {uid} cannot run {python}: {(out.stdout + out.stderr).strip()[-300:]}"
    return True, (f"runs as uid {uid}, no capabilities, no_new_privs; no namespaces: the network and "
                  "the filesystem are NOT isolated (`grader grade --isolation container`)")


class ContainerRunner(Closing):
    """One fresh scratch folder and one claimed uid per job; cold starts only."""

    def __init__(self, limits: Limits, python: str = sys.executable) -> None:
        self.limits, self.python = limits, python
        self.isolation = (
            "container (a dedicated unprivileged uid, no capabilities, no_new_privs; rlimits: memory by "
            f"RLIMIT_DATA {limits.memory_mib} MiB, {limits.max_processes} processes by RLIMIT_NPROC, CPU "
            "time, file size, open files; no namespaces: the network and the filesystem are NOT isolated)")

    def warm_up(self, executor: str) -> None:
        """No warm start: the uid is claimed, and its processes killed, per job."""

    def run(self, job: Job) -> RunResult:
        with scratch_dir("grader-ctr-") as root, _session(self.limits) as policy:
            inner = _stage(job, root, policy.uid)
            command = driver_argv(self.python, str(root / "harness"), str(root / "job" / "job.json"))
            started = Started(lambda fd: container_argv(policy, command(fd)), cwd=inner.workdir,
                              env=_env(root), preexec=self._limiter(policy))
            reaper = _reap_after(started, policy)
            try:
                return complete(started, job)
            finally:
                started.kill()
                reaper.join()

    def _limiter(self, policy: ContainerPolicy) -> Callable[[], None]:
        rlimits = ResourceLimits.from_limits(self.limits)

        def preexec() -> None:
            rlimits.apply()
            apply_limits(policy)
        return preexec


def _reap_after(started: Started, policy: ContainerPolicy) -> threading.Thread:
    """As soon as the driver has exited, kill every process of the uid: what escaped its process
    group (setsid, a double fork) would otherwise live on, and hold the driver's pipes open."""
    def reap() -> None:
        started.proc.wait()
        kill_all(policy)
    reaper = threading.Thread(target=reap, daemon=True)
    reaper.start()
    return reaper


def _env(root: Path) -> dict[str, str]:
    """The harness environment; home in the work folder, runtime and temporary files in ``run``."""
    return {**harness_env(home=str(root / "work"), runtime=str(root / "run")), "TMPDIR": str(root / "run"),
            "USER": "student", "LOGNAME": "student"}


@contextlib.contextmanager
def _session(limits: Limits) -> Iterator[ContainerPolicy]:
    """A claimed uid with no process before the block (a grader killed mid-run may have left
    some) and none, nor any file in the shared temporary folders, after it."""
    with claimed_uid() as uid:
        policy = ContainerPolicy(uid=uid, memory_mib=limits.memory_mib, max_processes=limits.max_processes)
        kill_all(policy)
        try:
            yield policy
        finally:
            kill_all(policy)
            remove_files_of(uid)


def _stage(job: Job, root: Path, uid: int) -> Job:
    """Root-owned harness and job (readable), uid-owned work and runtime folders (0700);
    ``root`` itself lets the uid pass, not list. The job as the driver will see it."""
    root.chmod(0o711)
    shutil.copytree(HARNESS_DIR, root / "harness", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "job").mkdir()
    (root / "run").mkdir(mode=0o700)
    os.chown(root / "run", uid, uid)
    shutil.copytree(job.workdir, root / "work", symlinks=True)
    _own_tree(root / "work", uid)
    rel = Path(job.source).relative_to(job.workdir)
    inner = job.public().model_copy(update={"source": str(root / "work" / rel), "workdir": str(root / "work"),
                                   "stage_from": None})
    (root / "job" / "job.json").write_text(inner.model_dump_json(), encoding="utf-8")
    _readable_tree(root / "harness")
    _readable_tree(root / "job")
    return inner


def _own_tree(top: Path, uid: int) -> None:
    top.chmod(0o700)
    for folder, dirs, files in os.walk(top):
        for name in [".", *dirs, *files]:
            os.lchown(os.path.join(folder, name), uid, uid)


def _readable_tree(top: Path) -> None:
    for folder, _dirs, files in os.walk(top):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
