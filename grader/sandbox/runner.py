"""BwrapRunner: the harness driver in a bubblewrap sandbox, one fresh sandbox per job.

Same protocol as :class:`grader.runner.ProcessRunner`, same driver, same result file; what
differs is what the submission can see and do (:mod:`grader.sandbox.policy`) and the limits:
a cgroup for memory and processes where the machine offers one (rlimits otherwise, and the
isolation string says so), a seccomp filter, rlimits on CPU time, file size and open files, and
the wall clock, at which bubblewrap is killed and its PID namespace with it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.job import Job, RunResult
from grader.runner import (
    HARNESS_DIR,
    Exit,
    ResourceLimits,
    harness_env,
    interpret,
    launch,
    read_result,
)
from grader.sandbox import seccomp
from grader.sandbox.cgroup import Cgroup
from grader.sandbox.policy import (
    SANDBOX,
    WORKDIR,
    Mount,
    SandboxPolicy,
    bwrap_argv,
    python_mounts,
)
from grader.spec import Limits

_GRACE_S = 5.0
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


class BwrapRunner:
    def __init__(self, limits: Limits, features: Features) -> None:
        self.limits, self.features = limits, features
        self.isolation = features.isolation(limits)

    def run(self, job: Job) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="grader-sbx-") as scratch:
            self._stage(job, Path(scratch))
            group = Cgroup.create(self.limits.memory_mib * 2**20, self.limits.max_processes) \
                if self.features.cgroup else None
            try:
                exit = self._launch(Path(scratch), job, group)
                killed = self._memory_note(group)
            finally:
                if group:
                    group.remove()
            result = interpret(read_result(Path(scratch, "out", "result.json")), exit, job, killed)
            if killed and result.status == "kernel_died":
                result = result.model_copy(update={"message": f"{result.message} ({killed})"})
            return result

    def _stage(self, job: Job, scratch: Path) -> None:
        """Write the job (paths as seen inside) and the files the sandbox needs."""
        for sub in ("job", "out"):
            (scratch / sub).mkdir()
        (scratch / "out").chmod(0o777)
        scratch.chmod(0o755)
        _readable_tree(Path(job.workdir))
        rel = Path(job.source).relative_to(job.workdir)
        inner = job.model_copy(update={"source": f"{WORKDIR}/{rel.as_posix()}", "workdir": WORKDIR,
                                       "stage_from": f"{SANDBOX}/submission"})
        (scratch / "job" / "job.json").write_text(inner.model_dump_json(), encoding="utf-8")
        (scratch / "job" / "passwd").write_text(_PASSWD)
        (scratch / "job" / "group").write_text(_GROUP)
        for f in (scratch / "job").iterdir():
            f.chmod(0o644)

    def _policy(self, scratch: Path, job: Job, seccomp_fd: int | None) -> SandboxPolicy:
        mounts = [*python_mounts(),
                  Mount(source=str(HARNESS_DIR), dest=f"{SANDBOX}/harness"),
                  Mount(source=job.workdir, dest=f"{SANDBOX}/submission"),
                  Mount(source=str(scratch / "job"), dest=f"{SANDBOX}/job"),
                  Mount(source=str(scratch / "job" / "passwd"), dest="/etc/passwd"),
                  Mount(source=str(scratch / "job" / "group"), dest="/etc/group"),
                  Mount(source=str(scratch / "out"), dest=f"{SANDBOX}/out", writable=True)]
        return SandboxPolicy(mounts=mounts, env=sandbox_env(), tmpfs_mib=self.limits.tmpfs_mib,
                             drop_privileges=os.geteuid() == 0, seccomp_fd=seccomp_fd)

    def _launch(self, scratch: Path, job: Job, group: Cgroup | None) -> Exit:
        command = [sys.executable, "-E", "-s", f"{SANDBOX}/harness/driver.py",
                   f"{SANDBOX}/job/job.json", f"{SANDBOX}/out/result.json"]
        rlimits = ResourceLimits.from_limits(self.limits, job)
        fd = seccomp.filter_fd() if self.features.seccomp else None
        try:
            argv = bwrap_argv(self._policy(scratch, job, fd), command)

            def preexec() -> None:
                rlimits.apply()
                if group:
                    group.attach_self()
                else:
                    _fallback_limits(self.limits)

            return launch(argv, cwd=str(scratch), env={"PATH": "/usr/bin:/bin"},
                          wall_s=job.total_timeout_s + _GRACE_S, preexec=preexec,
                          pass_fds=(fd,) if fd is not None else ())
        finally:
            if fd is not None:
                os.close(fd)

    def _memory_note(self, group: Cgroup | None) -> str:
        if group and group.oom_killed():
            return f"it ran out of memory (the limit is {self.limits.memory_mib} MiB)"
        return ""


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
