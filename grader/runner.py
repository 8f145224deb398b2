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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from pydantic import ValidationError

from grader.job import Job, RunResult

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


@dataclass(frozen=True)
class ResourceLimits:
    cpu_s: int
    file_bytes: int
    open_files: int

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
        "JUPYTER_RUNTIME_DIR": runtime, "IPYTHONDIR": os.path.join(runtime, "ipython"),
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


class ProcessRunner:
    """A fresh interpreter per job, rlimits, own session; no filesystem or network isolation."""

    isolation = ("process (rlimits on CPU, file size and open files; "
                 "no filesystem, network or memory isolation)")

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python

    def run(self, job: Job) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="grader-run-") as scratch:
            job_path, result_path = Path(scratch, "job.json"), Path(scratch, "result.json")
            job_path.write_text(job.model_dump_json(), encoding="utf-8")
            limits = ResourceLimits(cpu_s=int(job.total_timeout_s) + 1, file_bytes=64 * 2**20,
                                    open_files=1024)
            argv = [self.python, "-E", "-s", str(HARNESS_DIR / "driver.py"), str(job_path), str(result_path)]
            env = harness_env(home=job.workdir, runtime=scratch)
            returncode, timed_out, log = self._execute(argv, job, env, limits)
            return self._interpret(read_result(result_path), returncode, timed_out, job, log)

    def _execute(self, argv: list[str], job: Job, env: dict[str, str],
                 limits: ResourceLimits) -> tuple[int, bool, str]:
        proc = subprocess.Popen(argv, cwd=job.workdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=limits.apply)
        log = bytearray()
        assert proc.stdout is not None
        drainer = threading.Thread(target=_drain, args=(proc.stdout, log), daemon=True)
        drainer.start()
        timed_out = False
        try:
            proc.wait(timeout=job.total_timeout_s + _GRACE_S)
        except subprocess.TimeoutExpired:
            timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # also whatever the submission left running
        proc.wait()
        drainer.join(timeout=5)
        return proc.returncode, timed_out, log.decode("utf-8", "replace")

    @staticmethod
    def _interpret(result: RunResult, returncode: int, timed_out: bool, job: Job, log: str) -> RunResult:
        if timed_out:
            return RunResult.failure("timeout", f"the run took longer than {job.total_timeout_s:g} s "
                                     "in total and was stopped", stderr=log[-4000:])
        if result.status == "crashed":
            sig = -returncode if returncode < 0 else 0
            why = _SIGNALS.get(sig, f"signal {sig}") if sig else f"exit code {returncode}"
            return RunResult.failure("crashed", f"the run ended before writing results: {why}",
                                     stderr=log[-4000:])
        return result
