"""What a sandbox may see and do, as a frozen policy; and the bubblewrap argv it becomes.

Inside, the submission sees: the system libraries and the Python environment read-only, the
harness read-only at /sandbox/harness, its own files read-only at /sandbox/submission (copied
by the driver into /sandbox/work, a size-limited tmpfs), a private /tmp, the job description
read-only and one writable folder for the result. Nothing else of the host: no home, no lock
file, no reference, no other student, no output folder. Namespaces: network (loopback only),
PID, IPC, UTS, cgroup. As root the process drops to an unprivileged uid with no capabilities
(``setpriv``); otherwise bubblewrap's user namespace maps it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pydantic import Field

from grader.frozen import Frozen

SANDBOX = "/sandbox"
WORKDIR = f"{SANDBOX}/work"
NOBODY = 65534
_MERGED_USR = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class Mount(Frozen):
    source: str
    dest: str
    writable: bool = False


class SandboxPolicy(Frozen):
    mounts: list[Mount]
    env: dict[str, str]
    tmpfs_mib: int = Field(ge=1, description="size of /tmp and of the working folder, each")
    drop_privileges: bool = Field(description="root: setpriv to uid/gid 65534, no capabilities")
    seccomp_fd: int | None = None


def python_mounts() -> list[Mount]:
    """The interpreter and its environment (a venv and the Python it was made from)."""
    prefixes = {sys.prefix, sys.base_prefix, str(Path(os.path.realpath(sys.executable)).parents[1])}
    return [Mount(source=p, dest=p) for p in sorted(prefixes)]


def system_args() -> list[str]:
    """/usr read-only; the merged-/usr symlinks as symlinks; the loader cache."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _MERGED_USR:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime"):
        if Path(etc).exists():
            args += ["--ro-bind", etc, etc]
    return args


def _parents(dest: str, made: set[str]) -> list[str]:
    # bwrap copies the host's mode onto parents it creates (0700 for /root): make them 0755.
    args = []
    for parent in reversed(Path(dest).parents[:-1]):
        if str(parent) not in made:
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def bwrap_argv(policy: SandboxPolicy, command: list[str]) -> list[str]:
    argv = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", *system_args()]
    if not policy.drop_privileges:
        argv += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    size = str(policy.tmpfs_mib * 2**20)
    # The private /tmp first: binds that live under the host's /tmp (a venv, say) go on top of it.
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
    made: set[str] = set()
    for m in policy.mounts:
        argv += [*_parents(m.dest, made), "--bind" if m.writable else "--ro-bind", m.source, m.dest]
    argv += ["--perms", "0777", "--size", size, "--tmpfs", WORKDIR, "--chdir", WORKDIR, "--clearenv"]
    for key, value in sorted(policy.env.items()):
        argv += ["--setenv", key, value]
    if policy.seccomp_fd is not None:
        argv += ["--seccomp", str(policy.seccomp_fd)]
    if policy.drop_privileges:
        command = ["/usr/bin/setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                   "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", *command]
    return [*argv, "--", *command]
