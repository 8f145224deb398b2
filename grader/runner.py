"""Runners: take one Job, run the harness driver on it in a fresh process, return a RunResult.

This is the seam for isolation. :class:`ProcessRunner` starts a fresh interpreter with
resource limits in its own session and kills the whole group at the wall-clock limit; a
sandboxing runner (bubblewrap) implements the same protocol around the same driver. Whatever
happens to the submission, ``run`` returns a RunResult; only a grader bug raises.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from pydantic import ValidationError

from grader.job import Job, RunResult
from grader.spec import Limits

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
MAX_RESULT_BYTES = 64 * 2**20
MAX_LOG_BYTES = 64 * 2**10
_GRACE_S = 5.0
_SIGNALS: dict[int, str] = {
    signal.SIGKILL: "it was killed (SIGKILL): memory exhausted, or the time limit",
    signal.SIGXCPU: "it used up its CPU-time limit",
    signal.SIGXFSZ: "it wrote a file larger than the file-size limit",
    signal.SIGSEGV: "it crashed with a segmentation fault",
}


class Runner(Protocol):
    isolation: str

    def run(self, job: Job) -> RunResult: ...

    def warm_up(self, executor: str) -> None:
        """Start the next job's process now, before the job exists (it may load meanwhile)."""
        ...

    def close(self) -> None:
        """Stop whatever :meth:`warm_up` started and no job used."""
        ...


@dataclass(frozen=True)
class ResourceLimits:
    cpu_s: int
    file_bytes: int
    open_files: int

    @classmethod
    def from_limits(cls, limits: Limits) -> ResourceLimits:
        return cls(cpu_s=int(limits.total_timeout_s) + 1, file_bytes=limits.max_file_mib * 2**20,
                   open_files=limits.max_open_files)

    def apply(self) -> None:
        """Called in the child before exec (preexec_fn)."""
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_s, self.cpu_s + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def harness_env(home: str, runtime: str) -> dict[str, str]:
    """A cleared environment with only what the driver and its kernel need."""
    return {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": home, "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0", "TF_CPP_MIN_LOG_LEVEL": "2", "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTER_RUNTIME_DIR": os.path.join(runtime, "jupyter"),
        "IPYTHONDIR": os.path.join(runtime, "ipython"), "MPLCONFIGDIR": os.path.join(runtime, "matplotlib"),
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    }


def _drain(stream: IO[bytes], sink: bytearray) -> None:
    for chunk in iter(lambda: stream.read(65536), b""):
        sink.extend(chunk[: max(0, MAX_LOG_BYTES - len(sink))])


def read_result(path: Path) -> RunResult:
    """Parse the driver's result without following symlinks and with a size cap."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return RunResult.failure("malformed_result", "the result file was replaced by a symlink")
        return RunResult.failure("crashed", "the run ended without writing results")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(MAX_RESULT_BYTES + 1)
    if len(data) > MAX_RESULT_BYTES:
        return RunResult.failure("malformed_result", f"results larger than {MAX_RESULT_BYTES} bytes")
    try:
        return RunResult.model_validate(json.loads(data))
    except (ValueError, ValidationError) as exc:
        return RunResult.failure("malformed_result", f"unreadable results: {str(exc)[:300]}")


@dataclass(frozen=True)
class Exit:
    returncode: int
    timed_out: bool
    log: str


class Started:
    """The driver, launched in its own session and waiting for a go-ahead on stdin to read its job.

    The wait lets a sandbox start (and load its interpreter) before the job is written."""

    def __init__(self, argv: list[str], *, cwd: str, env: dict[str, str], preexec: Callable[[], None],
                 pass_fds: tuple[int, ...] = ()) -> None:
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=preexec, pass_fds=pass_fds)
        self.log = bytearray()
        assert self.proc.stdout is not None
        self.drainer = threading.Thread(target=_drain, args=(self.proc.stdout, self.log), daemon=True)
        self.drainer.start()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def go(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died waiting: finish() reports how
            self.proc.stdin.write(b"go\n")
            self.proc.stdin.close()

    def finish(self, wall_s: float) -> Exit:
        """Wait up to wall_s, then kill the whole process group (whatever the submission left running)."""
        timed_out = False
        try:
            self.proc.wait(timeout=wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        self.kill()
        self.drainer.join(timeout=5)
        return Exit(self.proc.returncode, timed_out, self.log.decode("utf-8", "replace"))

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        if self.proc.stdin and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()


def launch(argv: list[str], *, cwd: str, env: dict[str, str], wall_s: float,
           preexec: Callable[[], None], pass_fds: tuple[int, ...] = ()) -> Exit:
    """Run argv in its own session; at the wall-clock limit kill the whole process group."""
    started = Started(argv, cwd=cwd, env=env, preexec=preexec, pass_fds=pass_fds)
    started.go()
    return started.finish(wall_s)


def interpret(result: RunResult, exit: Exit, job: Job, killed_why: str = "") -> RunResult:
    """Combine what the driver wrote (if anything) with how the process ended."""
    if exit.timed_out:
        return RunResult.failure("timeout", f"the run took longer than {job.total_timeout_s:g} s "
                                 "in total and was stopped", stderr=exit.log[-4000:])
    if result.status == "crashed":
        sig = -exit.returncode if exit.returncode < 0 else 0
        why = killed_why or (_SIGNALS.get(sig, f"signal {sig}") if sig else f"exit code {exit.returncode}")
        return RunResult.failure("crashed", f"the run ended before writing results: {why}",
                                 stderr=exit.log[-4000:])
    return result


class ProcessRunner:
    """A fresh interpreter per job, rlimits, own session; no filesystem or network isolation."""

    isolation = ("process (rlimits on CPU, file size and open files; "
                 "no filesystem, network or memory isolation)")

    def __init__(self, limits: Limits | None = None, python: str = sys.executable) -> None:
        self.limits, self.python = limits or Limits(), python

    def warm_up(self, executor: str) -> None:
        """Every job starts cold here: this runner is the fallback for trusted code, not the fast path."""

    def close(self) -> None:
        """Nothing was warmed."""

    def run(self, job: Job) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="grader-run-") as scratch:
            job_path, result_path = Path(scratch, "job.json"), Path(scratch, "result.json")
            job_path.write_text(job.model_dump_json(), encoding="utf-8")
            rlimits = ResourceLimits.from_limits(self.limits)
            argv = [self.python, "-E", "-s", str(HARNESS_DIR / "driver.py"), str(job_path), str(result_path)]
            env = harness_env(home=job.workdir, runtime=scratch)
            exit = launch(argv, cwd=job.workdir, env=env, wall_s=job.total_timeout_s + _GRACE_S,
                          preexec=rlimits.apply)
            return interpret(read_result(result_path), exit, job)
