"""What a notebook saved from Google Colab expects of its environment, answered while grading.

* ``google.colab`` (drive, files, output, data_table, patches, auth): a stand-in whose functions
  do nothing and say so once in the run log (stderr), so that a cell mounting a Drive or
  enabling a widget manager does not lose every answer it defines.
* ``!pip install X`` and ``%pip install X``: nothing is installed (there is no network when
  grading); a note says whether X is there anyway, and the rest of the cell runs.
* ``%tensorflow_version 2.x``, a magic of older Colab notebooks: a no-op with a note.

Imports nothing from the grader; loaded by path by ``preamble``.
"""

from __future__ import annotations

import importlib.abc
import importlib.metadata
import importlib.util
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

_DATA = "read data files from the notebook's folder"
_NOTHING = "the notebook's output is kept as it is"


def _first_arg(*args: Any, **kwargs: Any) -> Any:
    return args[0] if args else None


# submodule -> function -> (advice, what the call returns)
_API: dict[str, dict[str, tuple[str, Callable[..., Any]]]] = {
    "drive": {name: (_DATA, lambda *a, **k: None) for name in ("mount", "flush_and_unmount")},
    "files": {"upload": ("put the files in the notebook's folder", lambda *a, **k: {}),
              "download": ("the file stays in the notebook's folder", lambda *a, **k: None),
              "view": ("the file stays in the notebook's folder", lambda *a, **k: None)},
    "output": {name: (_NOTHING, lambda *a, **k: None) for name in (
        "clear", "enable_custom_widget_manager", "disable_custom_widget_manager", "eval_js",
        "no_vertical_scroll", "register_callback", "serve_kernel_port_as_iframe",
        "serve_kernel_port_as_window")},
    "data_table": {"enable_dataframe_formatter": (_NOTHING, lambda *a, **k: None),
                   "disable_dataframe_formatter": (_NOTHING, lambda *a, **k: None),
                   "DataTable": ("the table itself is used", _first_arg)},
    "patches": {"cv2_imshow": ("images are not shown when grading", lambda *a, **k: None)},
    "auth": {"authenticate_user": ("nothing outside the sandbox can be reached", lambda *a, **k: None)},
}
_NOTED: set[str] = set()


def note(text: str) -> None:
    print(text, file=sys.stderr)


def _call_text(qualname: str, args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    shown = [repr(a)[:80] for a in args] + [f"{k}={v!r}"[:80] for k, v in kwargs.items()]
    return f"{qualname}({', '.join(shown)})"


def _stand_in(qualname: str, advice: str, result: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if qualname not in _NOTED:  # once per function: output.clear() may run every epoch
            _NOTED.add(qualname)
            note(f"google.colab: {_call_text(qualname, args, kwargs)} does nothing when grading; {advice}")
        return result(*args, **kwargs)

    call.__name__ = call.__qualname__ = qualname.rsplit(".", 1)[-1]
    return call


class ColabFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``google.colab`` and its submodules, and ``google`` if nothing installed provides it
    (last on ``sys.meta_path``: the real finders answer first)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        package = fullname in ("google", "google.colab")
        if not package and fullname not in {f"google.colab.{name}" for name in _API}:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=package)

    def create_module(self, spec: Any) -> None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        submodule = module.__name__.removeprefix("google.colab.")
        for name, (advice, result) in _API.get(submodule, {}).items():
            setattr(module, name, _stand_in(f"{submodule}.{name}", advice, result))


_PIP = re.compile(r"^\s*(?:\S*python[0-9.]*\s+-m\s+)?pip3?\s+(?P<args>[^;&|<>]*)")
_TAKES_VALUE = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--upgrade-strategy"}


def pip_notes(args: str) -> list[str]:
    """What ``pip ARGS`` would have done, for the run log; nothing is installed."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    if not words or words[0] != "install":
        return [f"pip {args.strip()}: skipped (no network when grading)"]
    notes, skip = [], False
    for word in words[1:]:
        if skip or word.startswith("-"):
            skip = word in _TAKES_VALUE
            continue
        notes.append(_install_note(word))
    return notes


def _install_note(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    if name is None or "/" in requirement or ":" in requirement:
        return f"{requirement} is not available when grading"
    try:
        importlib.metadata.version(name.group())
    except importlib.metadata.PackageNotFoundError:
        return f"{name.group()} is not available when grading"
    return f"{name.group()} is already installed: pip install skipped (no network when grading)"


def install_magics(shell: Any) -> None:
    """``%pip``, ``!pip`` (the shell's ``system``) and ``%tensorflow_version`` in an IPython shell."""
    system = shell.system

    def grader_system(cmd: str) -> Any:
        found = _PIP.match(cmd)
        if found is None:
            return system(cmd)
        for line in pip_notes(found["args"]):
            note(line)
        return None

    def pip_magic(line: str) -> None:
        for text in pip_notes(line):
            note(text)

    def tensorflow_version(line: str) -> None:
        note(f"%tensorflow_version {line.strip()}: a Colab magic; the installed TensorFlow is used")

    shell.system = grader_system
    shell.register_magic_function(pip_magic, "line", "pip")
    shell.register_magic_function(tensorflow_version, "line", "tensorflow_version")
