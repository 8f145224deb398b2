"""Runners: take one Job, run the harness driver on it in a fresh process, return a RunResult.

This is the seam for isolation. :class:`ProcessRunner` starts a fresh interpreter with
resource limits in its own session and kills the whole group at the wall-clock limit; a
sandboxing runner (bubblewrap) implements the same protocol around the same driver. Whatever
happens to the submission, ``run`` returns a RunResult; only a grader bug raises.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, TypeVar

from pydantic import ValidationError

from grader.sandbox.channel import ChannelClosed, ChannelError, ChannelTimeout, ResultChannel, parse_json
from grader.sandbox.job import Job, ProbeCall, ProbeOutcome, RunResult, SecretFrame
from grader.sandbox.scratch import scratch_dir
from grader.sheet.spec import Limits

HARNESS_DIR = Path(__file__).resolve().parents[1] / "harness"
MAX_LOG_BYTES = 64 * 2**10
GRACE_S = 5.0  # past the job's own time limit, for the driver to write its result
_EXIT_GRACE_S = 2.0  # after the last frame, before the run is killed
_SIGNALS: dict[int, str] = {
    signal.SIGKILL: "it was killed (SIGKILL): memory exhausted, or the time limit",
    signal.SIGXCPU: "it used up its CPU-time limit",
    signal.SIGXFSZ: "it wrote a file larger than the file-size limit",
    signal.SIGSEGV: "it crashed with a segmentation fault",
}


_Self = TypeVar("_Self")


class Runner(Protocol):
    """Runs one Job in a fresh process; a context manager that closes what it warmed."""

    isolation: str

    def __enter__(self: _Self) -> _Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def run(self, job: Job) -> RunResult: ...

    def warm_up(self, executor: str) -> None:
        """Start the next job's process now, before the job exists (it may load meanwhile)."""
        ...

    def close(self) -> None:
        """Stop whatever :meth:`warm_up` started and no job used."""
        ...


class Closing:
    """``with runner:`` closes what it warmed, whatever happens in the block."""

    def close(self) -> None:
        """Nothing is warmed unless a subclass says otherwise."""

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        "TMPDIR": runtime, "JUPYTER_RUNTIME_DIR": os.path.join(runtime, "jupyter"),
        "IPYTHONDIR": os.path.join(runtime, "ipython"), "MPLCONFIGDIR": os.path.join(runtime, "matplotlib"),
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    }


def _drain(stream: IO[bytes], sink: bytearray) -> None:
    for chunk in iter(lambda: stream.read(65536), b""):
        sink.extend(chunk[: max(0, MAX_LOG_BYTES - len(sink))])


def parse_result(payload: bytes) -> RunResult:
    """The first frame: size-capped by the channel, depth-bounded, validated by model."""
    try:
        return RunResult.model_validate(parse_json(payload))
    except ChannelError as exc:
        return RunResult.failure("malformed_result", str(exc))
    except ValidationError as exc:
        return RunResult.failure("malformed_result", f"unreadable results: {str(exc)[:300]}")


def _secret_outcomes(payload: bytes) -> dict[str, list[ProbeOutcome]]:
    try:
        return SecretFrame.model_validate(parse_json(payload)).probes
    except (ChannelError, ValidationError):
        return {}


@dataclass(frozen=True)
class Exit:
    returncode: int
    timed_out: bool
    log: str


class Started:
    """The driver, launched in its own session and waiting for a go-ahead on stdin to read its job.

    The wait lets a sandbox start (and load its interpreter) before the job is written. ``argv``
    gets the number of the result channel's writing end (:func:`driver_argv`), which it inherits."""

    def __init__(self, argv: Callable[[int], list[str]], *, cwd: str, env: dict[str, str],
                 preexec: Callable[[], None], pass_fds: tuple[int, ...] = ()) -> None:
        self.channel = ResultChannel()
        try:
            self.proc = subprocess.Popen(
                argv(self.channel.write_fd), cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec,
                pass_fds=(*pass_fds, self.channel.write_fd))
        finally:
            self.channel.spawned()
        self.log = bytearray()
        assert self.proc.stdout is not None
        self.drainer = threading.Thread(target=_drain, args=(self.proc.stdout, self.log), daemon=True)
        self.drainer.start()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def go(self, keep_open: bool = False) -> None:
        """The go-ahead; stdin stays open when the hidden probes will follow on it."""
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died waiting: finish() reports how
            self.proc.stdin.write(b"go\n")
            self.proc.stdin.flush()
            if not keep_open:
                self.proc.stdin.close()

    def close_stdin(self) -> None:
        """No hidden probes will follow: a driver waiting for them reads the end of its input."""
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()

    def send(self, data: bytes, deadline: float) -> bool:
        """Write data and close stdin, never blocking past the deadline (a run may stop reading)."""
        assert self.proc.stdin is not None
        fd, view = self.proc.stdin.fileno(), memoryview(data)
        os.set_blocking(fd, False)
        try:
            while view:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                    return False
                view = view[os.write(fd, view):]
            return True
        except OSError:  # it ended: finish() reports how
            return False
        finally:
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
        self.channel.close()
        if self.proc.stdin and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()


def driver_argv(python: str, harness: str, job_path: str, preload: str = "") -> Callable[[int], list[str]]:
    """The driver's command line, once the result channel's number is known."""
    tail = [preload] if preload else []
    return lambda fd: [python, "-E", "-s", f"{harness}/driver.py", job_path, str(fd), *tail]


def drive(started: Started, job: Job, wall_s: float) -> tuple[RunResult, Exit]:
    """Let the driver go, read its frames, then end it: what it sent, and how it ended.

    Hidden probes go in only after a first frame that says the run completed, and from then on
    nothing the run does reaches the student but those probes' outcomes: not its log, not its
    exit code or signal. A first frame that cannot be read ends the run at once (its status says
    why, not a timeout). Once every frame is in, the run gets a moment to exit and is killed."""
    deadline = time.monotonic() + wall_s
    secret = job.secret_calls()
    started.go(keep_open=bool(secret))
    try:
        result = parse_result(started.channel.read_frame(deadline))
    except ChannelTimeout:
        return RunResult.failure("crashed", "no result"), started.finish(0)
    except ChannelClosed as exc:  # it ended (or closed its channel): its exit code says how
        started.close_stdin()
        return RunResult.failure("crashed", str(exc)), started.finish(max(0.0, deadline - time.monotonic()))
    except ChannelError as exc:
        ended = started.finish(0)
        return RunResult.failure("malformed_result", str(exc)), Exit(ended.returncode, False, ended.log)
    log_end = len(started.log)
    if secret and result.status == "completed":
        result = result.model_copy(update={"probes": job.merge_probes(result.probes, _second(started, secret,
                                                                                          deadline))})
    started.close_stdin()
    exit = started.finish(min(_EXIT_GRACE_S, max(0.0, deadline - time.monotonic())))
    after = Exit(exit.returncode, False, bytes(started.log[:log_end]).decode("utf-8", "replace"))
    return result, after if result.status != "completed" or not secret else Exit(0, False, after.log)


def _second(started: Started, secret: dict[str, list[ProbeCall]], deadline: float) -> dict[
        str, list[ProbeOutcome]]:
    """Send the hidden calls, read their outcomes; none if the run stops answering."""
    payload = json.dumps({name: [c.model_dump() for c in calls] for name, calls in secret.items()})
    with contextlib.suppress(ChannelError):
        if started.send(payload.encode() + b"\n", deadline):
            return _secret_outcomes(started.channel.read_frame(deadline))
    return {}


def complete(started: Started, job: Job, killed_why: Callable[[], str] = lambda: "") -> RunResult:
    """Drive a started run to its end and read it: the one path every runner takes.
    ``killed_why`` is asked after the run (e.g. whether its cgroup ran out of memory)."""
    result, exit = drive(started, job, job.total_timeout_s + GRACE_S)
    return interpret(result, exit, job, killed_why())


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
    if killed_why and result.status == "kernel_died":
        return result.model_copy(update={"message": f"{result.message} ({killed_why})"})
    return result


class ProcessRunner(Closing):
    """A fresh interpreter per job, rlimits, own session; no filesystem or network isolation."""

    isolation = ("process (rlimits on CPU, file size and open files; "
                 "no filesystem, network or memory isolation)")

    def __init__(self, limits: Limits | None = None, python: str = sys.executable) -> None:
        self.limits, self.python = limits or Limits(), python

    def warm_up(self, executor: str) -> None:
        """Every job starts cold here: this runner is the fallback for trusted code, not the fast path."""

    def run(self, job: Job) -> RunResult:
        with scratch_dir("grader-run-") as scratch:
            job_path = scratch / "job.json"
            job_path.write_text(job.public().model_dump_json(), encoding="utf-8")
            rlimits = ResourceLimits.from_limits(self.limits)
            started = Started(driver_argv(self.python, str(HARNESS_DIR), str(job_path)), cwd=job.workdir,
                              env=harness_env(home=job.workdir, runtime=str(scratch)), preexec=rlimits.apply)
            try:
                return complete(started, job)
            finally:
                started.kill()
