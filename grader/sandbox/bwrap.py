"""BwrapRunner: the harness driver in a bubblewrap sandbox, one fresh sandbox per job.

Same protocol as :class:`grader.sandbox.process.ProcessRunner`, same driver, same result file; what
differs is what the submission can see and do (:mod:`grader.sandbox.policy`) and the limits:
a cgroup for memory and processes where the machine offers one (rlimits otherwise, and the
isolation string says so), a seccomp filter, rlimits on CPU time, file size and open files, and
the wall clock, at which bubblewrap is killed and its PID namespace with it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import seccomp
from grader.sandbox.cgroup import Cgroup
from grader.sandbox.job import Job, RunResult
from grader.sandbox.policy import (
    SANDBOX,
    WORKDIR,
    Mount,
    SandboxPolicy,
    bwrap_argv,
    python_mounts,
)
from grader.sandbox.process import (
    HARNESS_DIR,
    Closing,
    ResourceLimits,
    Started,
    complete,
    driver_argv,
    harness_env,
)
from grader.sandbox.scratch import remove_tree
from grader.sheet.spec import Limits

_PASSWD = "root:x:0:0::/:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/sandbox/work:/usr/sbin/nologin\n"
_GROUP = "root:x:0:\nnogroup:x:65534:\n"


@dataclass(frozen=True)
class Features:
    """What this machine offers beyond bubblewrap itself (from :func:`grader.sandbox.doctor`)."""

    cgroup: bool
    seccomp: bool

    def isolation(self, limits: Limits) -> str:
        memory = (f"cgroup memory {limits.memory_mib} MiB and {limits.max_processes} processes"
                  if self.cgroup else
                  f"no cgroup: memory by RLIMIT_DATA {limits.memory_mib} MiB, processes by RLIMIT_NPROC")
        filters = "seccomp filter" if self.seccomp else "no seccomp filter"
        return f"bubblewrap (no network, private filesystem, uid 65534, no capabilities; {memory}; {filters})"


def sandbox_env() -> dict[str, str]:
    """The harness environment as seen inside: home in the workdir, runtime files in /tmp."""
    return {**harness_env(home=WORKDIR, runtime="/tmp"), "USER": "nobody", "LOGNAME": "nobody"}


class BwrapRunner(Closing):
    """One fresh sandbox per job. :meth:`warm_up` launches the next job's sandbox early: it loads
    its interpreter and executor while the grader prepares the job, and is used by the next
    :meth:`run` (once; :meth:`close` discards it if no job comes)."""

    def __init__(self, limits: Limits, features: Features) -> None:
        self.limits, self.features = limits, features
        self.isolation = features.isolation(limits)
        self._warm: _Sandbox | None = None

    def __getstate__(self) -> dict[str, object]:  # a copy sent to a worker process starts cold
        return {**self.__dict__, "_warm": None}

    def warm_up(self, executor: str) -> None:
        if self._warm is None:
            self._warm = _Sandbox(self, preload=executor)

    def close(self) -> None:
        if self._warm is not None:
            self._warm.close()
            self._warm = None

    def run(self, job: Job) -> RunResult:
        sandbox, self._warm = self._warm, None
        if sandbox is None or not sandbox.usable_for(job):
            if sandbox:
                sandbox.close()
            sandbox = _Sandbox(self, preload="")
        try:
            return sandbox.run(job)
        finally:
            sandbox.close()

    def policy(self, scratch: Path, seccomp_fd: int | None) -> SandboxPolicy:
        mounts = [*python_mounts(),
                  Mount(source=str(HARNESS_DIR), dest=f"{SANDBOX}/harness"),
                  Mount(source=str(scratch / "submission"), dest=f"{SANDBOX}/submission"),
                  Mount(source=str(scratch / "job"), dest=f"{SANDBOX}/job"),
                  Mount(source=str(scratch / "job" / "passwd"), dest="/etc/passwd"),
                  Mount(source=str(scratch / "job" / "group"), dest="/etc/group")]
        return SandboxPolicy(mounts=mounts, env=sandbox_env(), tmpfs_mib=self.limits.tmpfs_mib,
                             drop_privileges=os.geteuid() == 0, seccomp_fd=seccomp_fd)

    def memory_note(self, group: Cgroup | None) -> str:
        if group and group.oom_killed():
            return f"it ran out of memory (the limit is {self.limits.memory_mib} MiB)"
        return ""


class _Sandbox:
    """One launched sandbox: its scratch folder, cgroup and driver, waiting for one job."""

    def __init__(self, runner: BwrapRunner, preload: str) -> None:
        self.runner, self.preload = runner, preload
        self.root = root = Path(tempfile.mkdtemp(prefix="grader-sbx-"))
        for sub in ("job", "submission"):
            (root / sub).mkdir()
        root.chmod(0o755)
        (root / "job" / "passwd").write_text(_PASSWD)
        (root / "job" / "group").write_text(_GROUP)
        limits = runner.limits
        self.group = Cgroup.create(limits.memory_mib * 2**20, limits.max_processes) \
            if runner.features.cgroup else None
        self.started: Started | None = None
        try:
            self.started = self._launch(root)
        except BaseException:
            self.close()
            raise

    def _launch(self, root: Path) -> Started:
        command = driver_argv(sys.executable, f"{SANDBOX}/harness", f"{SANDBOX}/job/job.json", self.preload)
        rlimits = ResourceLimits.from_limits(self.runner.limits)
        fd = seccomp.filter_fd() if self.runner.features.seccomp else None
        group, limits = self.group, self.runner.limits

        def preexec() -> None:
            rlimits.apply()
            if group:
                group.attach_self()
            else:
                _fallback_limits(limits)

        try:
            return Started(lambda result_fd: bwrap_argv(self.runner.policy(root, fd), command(result_fd)),
                           cwd=str(root),
                           env={"PATH": "/usr/bin:/bin"}, preexec=preexec,
                           pass_fds=(fd,) if fd is not None else ())
        finally:
            if fd is not None:
                os.close(fd)

    def usable_for(self, job: Job) -> bool:
        return self.preload == job.executor and self.started is not None and self.started.alive()

    def run(self, job: Job) -> RunResult:
        assert self.started is not None
        self._stage(job, self.root)
        return complete(self.started, job, lambda: self.runner.memory_note(self.group))

    def _stage(self, job: Job, root: Path) -> None:
        """The submission's files (linked, not copied, where possible) and the job, paths as seen inside."""
        shutil.copytree(job.workdir, root / "submission", symlinks=True, dirs_exist_ok=True,
                        copy_function=_link_or_copy)
        _readable_tree(root / "submission")
        rel = Path(job.source).relative_to(job.workdir)
        inner = job.public().model_copy(update={"source": f"{WORKDIR}/{rel.as_posix()}", "workdir": WORKDIR,
                                       "stage_from": f"{SANDBOX}/submission"})
        (root / "job" / "job.json").write_text(inner.model_dump_json(), encoding="utf-8")
        for f in (root / "job").iterdir():
            f.chmod(0o644)

    def close(self) -> None:
        if self.started is not None:
            self.started.kill()
        if self.group:
            self.group.remove()
            self.group = None
        remove_tree(self.root)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:  # another filesystem
        shutil.copy2(src, dst, follow_symlinks=False)


def _fallback_limits(limits: Limits) -> None:
    memory = limits.memory_mib * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))


def _readable_tree(root: Path) -> None:
    """The dropped uid must read the submission's copy (made by us with mkdtemp's 0700)."""
    for path in [root, *root.rglob("*")]:
        with contextlib.suppress(OSError):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
