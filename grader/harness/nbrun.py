"""Notebook execution for the driver: a bounded nbclient client and a careful reader."""

from __future__ import annotations

import ctypes
import queue
import signal
import time
from collections.abc import Callable
from typing import Any

import nbformat
from cells import OutputLog, cell_error
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient


class PreambleFailed(Exception):
    """The grader's own set-up code failed in the kernel: a grader bug, not the student's."""


def _die_with_parent() -> None:
    # The kernel gets its own session from jupyter_client; tie its life to this driver.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Kernel:
    """A python3 kernel in the current folder, started as nbclient would (history in memory),
    with a client that has seen it answer. Started by the driver, not by nbclient, so that a
    warm sandbox has it ready (a kernel's start is most of a small notebook's time)."""

    def __init__(self) -> None:
        # nbclient's own classes (asynchronous), driven from this thread's event loop as it does
        self.km = AsyncKernelManager(kernel_name="python3")
        run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                       preexec_fn=_die_with_parent)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            run_sync(self._wait_for_ready)(timeout=60)
        except RuntimeError:
            self.kc.stop_channels()
            run_sync(self.km.shutdown_kernel)(now=True)
            raise

    async def _wait_for_ready(self, timeout: float) -> None:
        """jupyter_client's wait_for_ready without its last step, 0.2 s spent waiting for IOPub to
        fall silent: what it would discard answers no cell, and nbclient ignores it anyway. The
        step that matters stays: a kernel_info reply, then proof that IOPub is connected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.kc.kernel_info()
            try:
                reply = await self.kc.get_shell_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await self.kc.get_iopub_msg(timeout=0.2)
                    return
            except queue.Empty:
                pass
            if not await self.kc.is_alive():
                raise RuntimeError("the kernel died before replying to kernel_info")
        raise RuntimeError(f"the kernel did not answer within {timeout:g} s")

    def run_silently(self, code: str, timeout: float) -> None:
        """Run grader code before the first cell: no execution count, no history, no output."""
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        while True:
            reply = run_sync(self.kc.get_shell_msg)(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":
            raise PreambleFailed(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")


def read_notebook(path: str, max_cells: int) -> tuple[Any, str]:
    """The notebook (v4) and '' — or None and the reason it cannot be run."""
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
    except UnicodeDecodeError as exc:
        return None, f"the notebook is not UTF-8 text ({exc.reason} at byte {exc.start})"
    except Exception as exc:  # nbformat raises several types for broken JSON
        return None, f"the file is not a readable Jupyter notebook: {str(exc)[:300]}"
    n_code = sum(1 for c in nb.cells if c.get("cell_type") == "code")
    if n_code > max_cells:
        return None, f"the notebook has {n_code} code cells; the limit is {max_cells}"
    for index, cell in enumerate(nb.cells):
        cell.metadata["grader_index"] = index  # feedback names the student's own cell number
        cell.outputs = []
    nb.cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    return nb, ""


class CappedClient(NotebookClient):
    """nbclient with output kept under a character budget and errors collected per cell."""

    def __init__(self, nb: Any, job: dict[str, Any], cell_timeout: Callable[[], float]) -> None:
        super().__init__(
            nb, resources={"metadata": {"path": job["workdir"]}}, kernel_name="python3",
            allow_errors=True, interrupt_on_timeout=True, record_timing=False,
            timeout_func=lambda cell: int(cell_timeout() + 0.999),
            error_on_timeout={"ename": "CellTimeout", "evalue": "cell ran past its time limit",
                              "traceback": []},
        )
        self.room = int(job["max_output_chars"])
        self.dropped = 0
        self.dropped_outputs = 0
        self.timed_out: dict[int, int] = {}

    def use(self, kernel: Kernel) -> None:
        """Run in this ready kernel; nbclient does not stop it (the driver's end does)."""
        self.km, self.kc, self.owns_km = kernel.km, kernel.kc, False

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
        if cell is not None:
            self.timed_out[cell.metadata.get("grader_index", -1)] = timeout
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs: list[Any], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> Any:
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
        if msg["msg_type"] == "stream" and 0 < self.room < size:  # its start, as a script's stdout keeps
            kept = str(content.get("text", ""))[:self.room]
            self.dropped += size - len(kept)
            msg, size = {**msg, "content": {**content, "text": kept}}, len(kept)
        if msg["msg_type"] != "error" and size > self.room:
            self.dropped += size
            self.dropped_outputs += 1
            return None
        self.room -= size
        try:
            return super().output(outs, msg, display_id, cell_index)
        except nbformat.ValidationError:  # display({'text/plain': [1, 2]}, raw=True): not the kernel dying
            self.dropped_outputs += 1
            return None

    def summary(self, n_cells: int) -> dict[str, Any]:
        errors: list[dict[str, Any]] = []
        stdout: list[str] = []
        stderr: list[str] = []
        log = OutputLog()
        log.cut = self.dropped_outputs  # past the run's output limit: never reached the cells
        for cell in self.nb.cells[:n_cells]:
            index = cell.metadata["grader_index"]
            _shown(log, index, cell.get("outputs", []))
            if index in self.timed_out:
                limit = self.timed_out[index]
                errors.append(cell_error(index, "timeout", "CellTimeout",
                                         f"cell ran longer than {limit} s", ""))
                continue
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    errors.append(cell_error(index, "error", out.ename, out.evalue, "\n".join(out.traceback)))
                elif out.output_type == "stream":
                    (stdout if out.name == "stdout" else stderr).append(out.text)
        note = f"\n[... {self.dropped} more characters of output not kept]" if self.dropped else ""
        tail = self.nb.cells[n_cells].get("outputs", []) if len(self.nb.cells) > n_cells else []
        failed = [f"{o.ename}: {o.evalue}" for o in tail if o.output_type == "error"]
        return {"extraction_error": "; ".join(failed)[:1000], "n_cells": n_cells, **log.result(),
                "cell_errors": errors, "stdout": "".join(stdout) + note, "stderr": "".join(stderr)}


_OUTPUT_NAMES = {"execute_result": "result", "display_data": "display"}


def _shown(log: OutputLog, index: int, outputs: list[Any]) -> None:
    """A cell's outputs as the kernel sent them (errors are the cell's error, not an output)."""
    log.start(index)
    for out in outputs:
        if out.output_type == "stream":
            log.text(str(out.name), str(out.text))
        elif out.output_type in _OUTPUT_NAMES:
            log.data(dict(out.get("data", {})), _OUTPUT_NAMES[out.output_type])
