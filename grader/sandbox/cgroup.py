"""A cgroup per run: a memory limit that TensorFlow tolerates (unlike RLIMIT_AS) and a process cap.

cgroup v1 (a hierarchy per controller, as on this project's machines) and v2 (one unified tree,
as on most laptops with systemd) are told apart at run time. As root the grader makes a group
under ``grader/``; without permission there, :func:`available` says why and the caller falls
back to rlimits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def version() -> str:
    if (ROOT / "memory" / "memory.limit_in_bytes").exists() and (ROOT / "pids").is_dir():
        return "v1"
    controllers = ROOT / "cgroup.controllers"
    if controllers.exists() and {"memory", "pids"} <= set(controllers.read_text().split()):
        return "v2"
    return "none"


@dataclass(frozen=True)
class Cgroup:
    dirs: tuple[Path, ...]
    kind: str

    @classmethod
    def create(cls, memory_bytes: int, max_pids: int) -> Cgroup:
        """Make a fresh group with both limits; OSError when the machine does not let us."""
        name = f"run-{uuid.uuid4().hex[:12]}"
        kind = version()
        sweep_stale(kind)
        if kind == "v1":
            mem, pids = ROOT / "memory" / "grader" / name, ROOT / "pids" / "grader" / name
            for d in (mem, pids):
                d.mkdir(parents=True)
            group = cls((mem, pids), kind)
            _write(mem / "memory.limit_in_bytes", memory_bytes)
            with contextlib.suppress(FileNotFoundError):  # present only with swap accounting
                _write(mem / "memory.memsw.limit_in_bytes", memory_bytes)
            _write(pids / "pids.max", max_pids)
            return group
        if kind == "v2":
            parent = ROOT / "grader"
            parent.mkdir(exist_ok=True)
            for d in (ROOT, parent):
                (d / "cgroup.subtree_control").write_text("+memory +pids")
            (parent / name).mkdir()
            group = cls((parent / name,), kind)
            _write(parent / name / "memory.max", memory_bytes)
            _write(parent / name / "memory.swap.max", 0)
            _write(parent / name / "pids.max", max_pids)
            return group
        raise OSError("no cgroup v1 or v2 with the memory and pids controllers")

    def attach_self(self) -> None:
        """Move the calling process into the group (from preexec_fn, before exec)."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def oom_killed(self) -> bool:
        if self.kind == "v1":
            control = (self.dirs[0] / "memory.oom_control").read_text()
            kills = [int(line.split()[1]) for line in control.splitlines() if line.startswith("oom_kill ")]
            return bool(kills[0]) if kills else int((self.dirs[0] / "memory.failcnt").read_text()) > 0
        events = (self.dirs[0] / "memory.events").read_text().split()
        return int(events[events.index("oom_kill") + 1]) > 0

    def remove(self) -> None:
        """Kill every process still in the group, then delete it (members can take seconds to go)."""
        deadline = time.monotonic() + 10  # after that an empty group may leak; grading goes on
        for d in self.dirs:
            while d.exists() and time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    for pid in (d / "cgroup.procs").read_text().split():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                    d.rmdir()
                if d.exists():
                    time.sleep(0.05)


def _parents(kind: str) -> list[Path]:
    if kind == "v1":
        return [ROOT / "memory" / "grader", ROOT / "pids" / "grader"]
    return [ROOT / "grader"] if kind == "v2" else []


def sweep_stale(kind: str, min_age_s: float = 60) -> None:
    """Remove empty run groups left by a grader that was killed (-9) before it could clean up.

    A live run's group is empty only between mkdir and attach, milliseconds, hence the age."""
    now = time.time()
    for parent in _parents(kind):
        for d in parent.glob("run-*") if parent.is_dir() else []:
            with contextlib.suppress(OSError):
                if now - d.stat().st_mtime > min_age_s and not (d / "cgroup.procs").read_text().strip():
                    d.rmdir()


def _write(path: Path, value: int) -> None:
    path.write_text(str(value))


def available() -> tuple[bool, str]:
    """Whether a group with limits can be made here, and the cgroup version or the reason not."""
    try:
        group = Cgroup.create(64 * 2**20, 16)
    except OSError as exc:
        return False, f"{version()}: {exc}"
    group.remove()
    return True, group.kind
