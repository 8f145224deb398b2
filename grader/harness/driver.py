"""Run one submission and write what it left behind as JSON.

Usage: ``python driver.py JOB.json RESULT_FD [PRELOAD]``, then a line on stdin once JOB.json
is written. This is the program the runner starts (inside the sandbox); a warm sandbox starts
before its job exists and loads the executor's libraries (PRELOAD: lean or nbclient) meanwhile.
It imports nothing from the grading side: the job names the source file, the answer names and
the visible probe inputs, never an expected value. The result goes out as a frame on the pipe
RESULT_FD. When the job says hidden probes follow, their inputs arrive on stdin only after that
frame (answers, run log) is sent, and their outcomes are a second frame: whatever the code does
once it can see them, only pass or fail of those probes can reach the student.

A notebook runs with nbclient in a fresh kernel; a script runs in this interpreter, split into
cells at ``# %%`` markers. Either way a cell that raises does not stop the cells after it, and
each cell gets ``min(cell timeout, time left)``. Then ``extract`` reads the answers in the
same namespace the student's code filled.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import Any

# Sibling modules, imported before any student code runs.
import extract
import lean
from cells import CappedText, CellTimeout, OutputLog, cell_error, split_script, time_limit, timeout_error

_SAFETY_MARGIN_S = 2.0
_MAX_PRIVATE_BYTES = 8 * 2**20  # as the grader's cap on a frame


class Budget:
    """Seconds left before the driver must stop running student cells."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.cell_limit = float(job["cell_timeout_s"])
        self.deadline = time.monotonic() + float(job["total_timeout_s"]) - _SAFETY_MARGIN_S

    def next_cell(self) -> float:
        return max(0.5, min(self.cell_limit, self.deadline - time.monotonic()))


def run_script(job: dict[str, Any], budget: Budget) -> tuple[dict[str, Any], dict[str, Any]]:
    path = job["source"]
    with open(path, "rb") as fh:
        source = fh.read().decode("utf-8")
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
    sys.argv, sys.path[0] = [path], os.path.dirname(path)
    log = OutputLog()
    out = CappedText(job["max_output_chars"], log, "stdout")
    err = CappedText(job["max_output_chars"], log, "stderr")
    cells = split_script(source)
    extract.preamble.install(job)
    extract.preamble.FIGURE_SINK = log.image  # no shell to display figures through
    errors = []
    for i, (line, code) in enumerate(cells):
        log.start(i)
        error = _run_script_cell(i, line, code, path, namespace, budget, out, err)
        errors += [error] if error else []
        if job.get("figures"):
            extract.preamble.capture()  # as a kernel does after each cell
        extract.preamble.PRESENCE.after_cell(namespace)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    run = {"n_cells": len(cells), "cell_errors": errors, "stdout": out.text(), "stderr": err.text(),
           "cell_indices": list(range(len(cells))), **log.result()}
    return run, namespace


def _run_script_cell(index: int, first_line: int, code: str, path: str, namespace: dict[str, Any],
                     budget: Budget, out: CappedText, err: CappedText) -> dict[str, Any] | None:
    limit = budget.next_cell()
    sys.stdout, sys.stderr = out, err
    try:
        with time_limit(limit):
            exec(compile("\n" * first_line + code, path, "exec"), namespace)
            extract.preamble.show_figures()  # as a kernel's inline backend does after each cell
    except CellTimeout:
        return timeout_error(index, limit)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: later cells still run
        student_frames = exc.__traceback__.tb_next if exc.__traceback__ else None  # skip the exec line
        tb = "".join(traceback.format_exception(type(exc), exc, student_frames))
        message = extract.describe(exc).split(": ", 1)[-1]
        return cell_error(index, "error", type(exc).__name__, message, tb)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return None


def _setup_code(job: dict[str, Any]) -> str:
    """What the kernel runs before the first cell: the seed, then the preamble (import hooks)."""
    seed = {"GRADER_SEED": str(job["seed"])} if job.get("seed") is not None else {}
    seed |= {"GRADER_CONFIG": json.dumps(job["config"])} if job.get("config") is not None else {}
    return "\n".join([
        "def _grader_setup():",
        "    import importlib.util as u, json, os, sys",
        f"    os.environ.update({seed!r})",
        f"    s = u.spec_from_file_location('_grader_preamble', {extract.preamble.__file__!r})",
        "    m = u.module_from_spec(s); sys.modules['_grader_preamble'] = m; s.loader.exec_module(m)",
        f"    with open({job['job_path']!r}) as fh: m.install(json.load(fh))",
        "_grader_setup(); del _grader_setup",
    ])


SecretRunner = Callable[[dict[str, Any]], dict[str, Any]]


def run_notebook(job: dict[str, Any], budget: Budget, private: str, kernel: Any) -> tuple[
        dict[str, Any], SecretRunner | None]:
    """Through nbclient, in ``kernel`` (started by a warm sandbox) or in a kernel started now.

    The kernel is not shut down: it dies with the driver (PR_SET_PDEATHSIG), as does everything
    in the sandbox; a polite shutdown would add 0.1 s to every run."""
    import nbformat
    from nbrun import CappedClient, Kernel, PreambleFailed, read_notebook

    nb, problem = read_notebook(job["source"], job["max_cells"])
    if problem:
        return {"status": "invalid_submission", "message": problem}, None
    n_cells, out_path = len(nb.cells), os.path.join(private, "answers.json")
    nb.cells.append(nbformat.v4.new_code_cell(
        _with_extract(f"m.write_answers(globals(), {job['job_path']!r}, {out_path!r})")))
    client = CappedClient(nb, job, budget.next_cell)
    status, message = "completed", ""
    try:
        kernel = kernel or Kernel()
        kernel.run_silently(_setup_code(job), timeout=budget.next_cell())
        client.use(kernel)
        client.execute()
    except PreambleFailed as exc:
        status, message = "harness_error", f"the grader's set-up failed in the kernel: {exc}"
    except Exception as exc:  # DeadKernelError and friends
        status, message = "kernel_died", f"the kernel stopped: {extract.describe(exc)}"
    run = client.summary(n_cells)
    if run.pop("extraction_error") and status == "completed":
        status, message = "harness_error", "reading the answers failed inside the kernel"
    with contextlib.suppress(OSError, ValueError):  # no answers: the status above says why
        run.update(extract.read_private_json(out_path, _MAX_PRIVATE_BYTES))
    result = {"status": status, "message": message, **run,
              "cell_indices": [c.metadata["grader_index"] for c in nb.cells[:n_cells]]}
    return result, functools.partial(_secret_in_kernel, kernel, private, job) if kernel else None


def _with_extract(statement: str) -> str:
    """Kernel code running ``statement`` with ``m`` = extract.py, loaded by path (a student's module
    of the same name cannot stand in for it), in the notebook's own namespace."""
    return "\n".join([
        "def _grader_call():",
        "    import importlib.util as u",
        f"    s = u.spec_from_file_location('_grader_extract', {extract.__file__!r})",
        "    m = u.module_from_spec(s); s.loader.exec_module(m)",
        f"    {statement}",
        "_grader_call(); del _grader_call",
    ])


def _secret_in_kernel(kernel: Any, private: str, job: dict[str, Any],
                      calls: dict[str, Any]) -> dict[str, Any]:
    calls_path, out_path = os.path.join(private, "calls.json"), os.path.join(private, "secret.json")
    with open(calls_path, "w", encoding="utf-8") as fh:
        json.dump(calls, fh)
    code = _with_extract(f"m.write_secret(globals(), {calls_path!r}, {out_path!r}, "
                         f"{float(job['probe_timeout_s'])!r})")
    n_calls = sum(len(c) for c in calls.values())
    kernel.run_silently(code, timeout=job["probe_timeout_s"] * (n_calls + 1))
    return dict(extract.read_private_json(out_path, _MAX_PRIVATE_BYTES))


def stage(source: str, workdir: str) -> None:
    """Sandbox: copy the read-only submission into the writable tmpfs workdir.

    Entry by entry, because the workdir itself is a mount point this process may not chmod."""
    for entry in os.scandir(source):
        target = os.path.join(workdir, entry.name)
        if entry.is_dir(follow_symlinks=False):
            shutil.copytree(entry.path, target, symlinks=True)
        else:
            shutil.copy(entry.path, target, follow_symlinks=False)


_PRELOAD = {  # what a warm sandbox loads before its job arrives: trusted libraries only
    "lean": ("IPython.core.interactiveshell", "traitlets.config", "numpy"),
    "nbclient": ("nbclient", "nbformat", "jupyter_client", "nbrun", "numpy"),
}


def wait_for_job(preload: str) -> tuple[Any, int]:
    """Load the executor's libraries (for nbclient, start the kernel), then block until the runner
    says the job file is written. Returns the kernel (or None) and a private copy of stdin, on
    which the hidden probes' inputs may come later.

    Student code must still see an empty stdin, as with a kernel: fd 0 becomes /dev/null, and
    input() says why it gets no answer (a kernel run by nbclient refuses input requests too)."""
    for module in _PRELOAD.get(preload, ()):
        __import__(module)
    kernel = None
    if preload == "nbclient":
        try:
            kernel = sys.modules["nbrun"].Kernel()
        except Exception:  # started again, cold, with the job: its failure then goes in the report
            kernel = None
    control = os.dup(0)  # not inheritable: the kernel and the student's subprocesses do not get it
    _read_line(control)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    builtins.input = _no_input
    return kernel, control


def _read_line(fd: int) -> bytes:
    """Unbuffered, so nothing after the line is taken from the pipe."""
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1 << 16 if line else 1)
        if not chunk:
            break
        line.extend(chunk)
    return bytes(line)


def _no_input(prompt: object = "") -> str:
    raise EOFError("input() gets no answer when a submission is graded: set the value in the code instead")


def _name_removing_cells(result: dict[str, Any]) -> None:
    """The harness counts code cells run; a report names a cell by its place in the file."""
    indices = result.pop("cell_indices", [])
    result["removed"] = {name: indices[k] for name, k in (result.get("removed") or {}).items()
                         if isinstance(k, int) and 0 <= k < len(indices)}


def _run(job: dict[str, Any], budget: Budget, private: str, kernel: Any) -> tuple[
        dict[str, Any], SecretRunner | None]:
    seconds = float(job["probe_timeout_s"])
    if job["kind"] == "notebook" and job.get("executor") == "lean":
        result, namespace = lean.run_notebook(job, budget.next_cell)
    elif job["kind"] == "notebook":
        return run_notebook(job, budget, private, kernel)
    else:
        run, namespace = run_script(job, budget)
        result = {"status": "completed", "message": "", **run, **extract.collect(namespace, job)}
    return result, functools.partial(extract.secret_outcomes, namespace, seconds=seconds)


def main(job_path: str, result_fd: int, kernel: Any = None, control: int = -1) -> int:
    started = time.monotonic()
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    job["job_path"] = job_path
    if job.get("seed") is not None:  # read by references during calibration (kernels: _setup_code)
        os.environ["GRADER_SEED"] = str(job["seed"])
    if job.get("config") is not None:  # a training family's choices, read by references likewise
        os.environ["GRADER_CONFIG"] = json.dumps(job["config"])
    if job.get("stage_from"):
        stage(job["stage_from"], job["workdir"])
    private = tempfile.mkdtemp(prefix="grader-driver-")  # what the kernel hands the driver
    secret: SecretRunner | None = None
    try:
        result, secret = _run(job, Budget(job), private, kernel)
    except UnicodeDecodeError as exc:
        result = {"status": "invalid_submission", "message": f"the file is not UTF-8 text: {exc}"}
    except SyntaxError as exc:
        result = {"status": "invalid_submission", "message": f"cannot compile: {exc}"}
    _name_removing_cells(result)
    result["duration_s"] = round(time.monotonic() - started, 3)
    extract.write_frame(result_fd, result)
    if job.get("secrets_follow"):
        calls = json.loads(_read_line(control) or b"{}")
        try:
            outcomes = secret(calls) if secret else {"probes": {}}
        except Exception:  # the kernel died or the preamble failed: the grader says "no outcome"
            outcomes = {"probes": {}}
        extract.write_frame(result_fd, outcomes)
    return 0


if __name__ == "__main__":
    kernel, control = wait_for_job(sys.argv[3] if len(sys.argv) > 3 else "")
    code = main(sys.argv[1], int(sys.argv[2]), kernel, control)
    sys.stdout.flush()
    sys.stderr.flush()
    # The result is written. Skip the interpreter's shutdown (zmq contexts, kernel-client threads,
    # threads the submission left running): ~0.1 s per run, and the sandbox ends them all anyway,
    # with the kernel, if any (see run_notebook).
    os._exit(code)
