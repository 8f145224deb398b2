"""Probe the machine: can submissions be sandboxed here, and how completely?

Each probe really runs what grading will run (a tiny sandbox, a cgroup, a seccomp filter),
so a 'yes' here means grading gets it. Where bubblewrap cannot run (a Docker container has no
CAP_SYS_ADMIN), the ``container`` level is probed instead: student code as an unprivileged uid,
without namespaces (:mod:`grader.sandbox.container`). :func:`choose_runner` turns the diagnosis
into a runner, refusing the container level and the unsandboxed fallback unless the TA asked
for them by name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from grader.frozen import Frozen
from grader.sandbox import cgroup, container, seccomp
from grader.sandbox.bwrap import BwrapRunner, Features, sandbox_env
from grader.sandbox.policy import SandboxPolicy, bwrap_argv, python_mounts
from grader.sandbox.process import ProcessRunner, Runner
from grader.sheet.spec import Limits

Level = Literal["full", "partial", "container", "none"]


class Probe(Frozen):
    name: str
    ok: bool
    detail: str


class Diagnosis(Frozen):
    level: Level
    probes: list[Probe]

    @property
    def features(self) -> Features:
        ok = {p.name: p.ok for p in self.probes}
        return Features(cgroup=ok["cgroup limits"], seccomp=ok["seccomp filter"])


class SandboxUnavailable(Exception):
    """Grading would run unsandboxed and the TA did not allow it."""


def _try_sandbox(code: str, seccomp_fd: int | None = None) -> tuple[bool, str]:
    """Run Python code in the sandbox grading would use; (exit code 0, its output)."""
    policy = SandboxPolicy(mounts=python_mounts(), env=sandbox_env(), tmpfs_mib=16,
                           drop_privileges=os.geteuid() == 0, seccomp_fd=seccomp_fd)
    argv = bwrap_argv(policy, [sys.executable, "-I", "-S", "-c", code])  # stdlib only: no site start-up
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                             pass_fds=(seccomp_fd,) if seccomp_fd is not None else ())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)
    return out.returncode == 0, (out.stdout + out.stderr).strip()[-300:]


_IDENTITY_PROBE = ("import os, socket\ntry:\n    socket.create_connection(('192.0.2.1', 9), timeout=1)\n"
                   "    net = 'network reachable'\nexcept OSError:\n    net = 'no network'\n"
                   "print(os.getuid(), os.getgid(), net)")


def diagnose() -> Diagnosis:
    if shutil.which("bwrap") is None:
        return _diagnosis(Probe(name="bubblewrap", ok=False,
                                detail="bwrap not found (Debian: apt-get install bubblewrap)"), None)
    with ThreadPoolExecutor(2) as pool:  # both at once; the filtered one counts only if the plain one works
        plain = pool.submit(_try_sandbox, _IDENTITY_PROBE)
        filtered = pool.submit(_try_sandbox, _SECCOMP_PROBE, seccomp.filter_fd()) \
            if seccomp.supported() else None
        ok, out = plain.result()
        good = ok and out.endswith("65534 65534 no network")
        bwrap = Probe(name="bubblewrap", ok=good,
                      detail="runs as uid 65534 with no network" if good else f"sandbox failed: {out}")
        return _diagnosis(bwrap, filtered.result() if filtered else None)


def _diagnosis(bwrap: Probe, filtered: tuple[bool, str] | None) -> Diagnosis:
    """The level from the bubblewrap probe, the cgroup check and the seccomp probe's (ok, output)."""
    cg_ok, cg_detail = cgroup.available()
    sc_ok, sc_detail = False, "no syscall table for this architecture"
    if seccomp.supported() and not bwrap.ok:
        sc_detail = "not tried: bubblewrap does not work"
    elif filtered:
        sc_ok, out = filtered
        sc_detail = f"denies {len(seccomp.denied_syscalls())} system calls" if sc_ok else out
    probes = [bwrap, Probe(name="cgroup limits", ok=cg_ok, detail=cg_detail),
              Probe(name="seccomp filter", ok=sc_ok, detail=sc_detail)]
    if bwrap.ok:
        return Diagnosis(level="full" if all(p.ok for p in probes) else "partial", probes=probes)
    ok, detail = container.probe()  # only where bubblewrap fails: it is the weaker level
    return Diagnosis(level="container" if ok else "none",
                     probes=[*probes, Probe(name="container", ok=ok, detail=detail)])


_SECCOMP_PROBE = ("import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True); "
                  "sys.exit(0 if libc.unshare(0x04000000) == -1 and ctypes.get_errno() == 1 else 1)")


def choose_runner(limits: Limits, *, allow_unsandboxed: bool = False, allow_container: bool = False,
                  private: Sequence[Path] = (), diagnosis: Diagnosis | None = None) -> Runner:
    """The bubblewrap runner when the machine allows it; the container runner (which cannot hide
    the folders in ``private``, so they must be closed to others) or the bare process runner only
    on request."""
    diagnosis = diagnosis or diagnose()
    if diagnosis.level in ("full", "partial"):
        return BwrapRunner(limits, diagnosis.features)
    if diagnosis.level == "container" and allow_container:
        exposed = [str(p) for p in private if container.open_to_others(p)]
        if exposed:
            raise SandboxUnavailable(
                f"the container level cannot hide {', '.join(exposed)} from student code: close a folder "
                "on the way to others (chmod 700), as the Gradescope bundle does")
        return container.ContainerRunner(limits)
    if not allow_unsandboxed:
        why = "; ".join(p.detail for p in diagnosis.probes if not p.ok)
        hint = "--isolation container (see `grader doctor`), or " if diagnosis.level == "container" else ""
        raise SandboxUnavailable(f"cannot sandbox submissions here ({why}); run `grader doctor`, or pass "
                                 f"{hint}--unsafe-no-sandbox to run student code with your own rights")
    return ProcessRunner(limits)
