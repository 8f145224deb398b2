"""The lean notebook executor: the cells run in this interpreter through IPython's InteractiveShell.

The semantics of a kernel (magics, ``%matplotlib inline``, the display machinery, one error per
cell that does not stop the next one) without starting a kernel and talking ZMQ to it, which is
most of the time nbclient spends on a small notebook. What a kernel sends as rich output
(execute results, displays, tracebacks) is not stdout there, so it is not stdout here either:
tracebacks become the cell's error, displays and results go to the cell's outputs (the TA's
view, an OutputLog) as nbclient would have them. nbclient remains the faithful mode.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import extract
from cells import CappedText, CellTimeout, OutputLog, as_v4, cell_error, time_limit, timeout_error


def read_cells(path: str, max_cells: int) -> tuple[list[tuple[int, str]], str]:
    """(index among all cells, source) of the code cells — or [] and why the file cannot run."""
    try:
        with open(path, "rb") as fh:
            nb = json.loads(fh.read().decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [], f"the notebook is not UTF-8 text ({exc.reason} at byte {exc.start})"
    except ValueError as exc:
        return [], f"the file is not a readable Jupyter notebook: {str(exc)[:300]}"
    nb = as_v4(nb)
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return [], "the file is not a readable Jupyter notebook: it has no list of cells"
    if not all(isinstance(c, dict) for c in cells):
        return [], "the file is not a readable Jupyter notebook: some of its cells are not cells (objects)"
    code = [(i, c.get("source", "")) for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    if len(code) > max_cells:
        return [], f"the notebook has {len(code)} code cells; the limit is {max_cells}"
    bad = next((i for i, s in code if not _is_text(s)), None)
    if bad is not None:  # Jupyter itself refuses such a file: say so, do not crash on it
        return [], f"the file is not a readable Jupyter notebook: cell {bad + 1}'s source is not text"
    return [(i, "".join(s) if isinstance(s, list) else s) for i, s in code], ""


def _is_text(source: Any) -> bool:
    """A cell's source as nbformat writes it: a string, or a list of strings (its lines)."""
    return isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))


def _shell(errors: list[str], log: OutputLog) -> tuple[Any, Callable[[str], Any]]:
    """The shell, and its run_cell as it is now: a notebook that replaces the shell's methods
    cannot stop the cells after it from running (or their answers from being read)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # In/Out still work; no sqlite file written per run
    shell: Any = InteractiveShell.instance(colors="NoColor", config=config)

    def silent(*args: Any, **kwargs: Any) -> None:
        return None

    def keep_traceback(etype: Any, evalue: Any, stb: list[str]) -> None:
        errors.append("\n".join(stb))

    def display(data: Any, *args: Any, **kwargs: Any) -> None:
        log.data(data, "display")

    def result(format_dict: Any, *args: Any, **kwargs: Any) -> None:
        log.data(format_dict, "result")

    # what a kernel sends as rich output (results, displays, tracebacks) is not stdout
    shell.display_pub.publish = display
    shell.displayhook.write_format_data = result
    shell.displayhook.write_output_prompt = silent
    shell._showtraceback = keep_traceback
    shell.enable_gui = silent  # %matplotlib inline needs no event loop; a kernel's is a no-op too
    shell.ask_exit = silent  # exit(), quit(): a kernel only tells its front end, and nbclient ignores it
    return shell, functools.partial(InteractiveShell.run_cell, shell, store_history=True)


def _run_cell(run_cell: Callable[[str], Any], index: int, code: str, limit: float,
              tracebacks: list[str], log: OutputLog) -> dict[str, Any] | None:
    tracebacks.clear()
    log.start(index)
    with time_limit(limit):  # the shell catches the CellTimeout and records it as the cell's error
        result = run_cell(code)
    exc = result.error_before_exec or result.error_in_exec
    if exc is None:
        return None
    if isinstance(exc, CellTimeout):
        return timeout_error(index, limit)
    tb = "\n".join(tracebacks) or "".join(traceback.format_exception_only(type(exc), exc))
    return cell_error(index, "error", type(exc).__name__, extract.describe(exc).split(": ", 1)[-1], tb)


def run_notebook(job: dict[str, Any], next_cell: Callable[[], float]) -> tuple[
        dict[str, Any], dict[str, Any]]:
    """The result, and the namespace the cells filled (the hidden probes are called in it later)."""
    cells, problem = read_cells(job["source"], job["max_cells"])
    if problem:
        return {"status": "invalid_submission", "message": problem}, {}
    os.chdir(job["workdir"])
    sys.argv, sys.path[0] = [job["source"]], job["workdir"]
    log = OutputLog()
    out = CappedText(job["max_output_chars"], log, "stdout")
    err = CappedText(job["max_output_chars"], log, "stderr")
    tracebacks: list[str] = []
    sys.stdout, sys.stderr = out, err
    try:
        shell, run_cell = _shell(tracebacks, log)
        extract.preamble.install(job)
        errors = [e for index, code in cells
                  if (e := _run_cell(run_cell, index, code, next_cell(), tracebacks, log))]
        shown = log.result()
        answers = extract.collect(shell.user_ns, job)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return {"status": "completed", "message": "", "n_cells": len(cells), "cell_errors": errors,
            "cell_indices": [index for index, _ in cells],
            "stdout": out.text(), "stderr": err.text(), **shown, **answers}, shell.user_ns
