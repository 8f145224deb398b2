"""What the harness sets up in the submission's process before the first student cell.

* Offline datasets: ``keras.datasets.mnist.load_data()`` reads the file the grader staged in the
  working folder instead of downloading (Keras would reject a subset by its hash and try the
  network). The hook patches the module right after Python imports it, so ``tensorflow.keras``,
  ``keras`` and ``from … import load_data`` all get the same loader.
* Figures: every matplotlib figure is snapshotted (axes, labels, line/scatter/bar data) when it
  is shown or closed, at the end of every cell and before answers are read, so a ``plot`` check
  can read what the student drew even after ``plt.show()`` or ``%matplotlib inline`` closed it.
  Each figure drawn is one record, in order: ``plt.show()`` closes the figures it showed, as
  Jupyter's inline backend and a desktop window do (the grader's Agg backend would keep them,
  and the next ``plt.plot`` would draw over the last figure under the same number).
* Figures shown: a PNG of each figure (Agg, small dpi, bounded) when ``plt.show()`` is called and,
  for figures never shown, at the end of the cell, as Jupyter's inline backend shows them: the
  TA sees what the student's plots looked like (through IPython's display in a shell, else to
  ``FIGURE_SINK``). Nothing when the inline backend itself is active (it shows them already).
* Colab: ``google.colab``, ``!pip``/``%pip`` and ``%tensorflow_version`` answered (see ``colab``);
  progress bars (tqdm) switched off, their timings are noise in a run log.

Imports nothing from the grader; loaded by path (see ``extract._sibling``).
"""

from __future__ import annotations

import base64
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import io
import math
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

_MAX_FIGURES, _MAX_AXES, _MAX_SERIES, _MAX_POINTS = 50, 20, 50, 10_000
RECORDS: list[dict[str, Any]] = []  # one snapshot per figure drawn, in the order first seen
# id(figure) -> (the figure, its index in RECORDS) while pyplot manages it; holding the figure
# keeps its id from being reused by a new one before the next capture notices it was closed
_OPEN: dict[int, tuple[Any, int]] = {}
# at most 50 PNGs a run (a plt.show() in a loop costs the student ~30 ms each, then nothing)
_MAX_RENDERS, _MAX_PIXELS, _DPI = 50, 1_500_000, 72.0
_RENDERED: dict[int, Any] = {}  # id(figure) -> the figure, once shown as a PNG (held: ids stay unique)
_RENDERS = [0]
FIGURE_SINK: Callable[[str], None] | None = None  # no shell (a script): where PNGs go


class _PatchAfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Run ``patch(module)`` right after the module ``name`` is executed."""

    def __init__(self, name: str, patch: Callable[[ModuleType], None]) -> None:
        self.name, self.patch = name, patch
        self.inner: Any = None

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        self.inner, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec: Any) -> Any:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        self.patch(module)


def _mnist_loader(path: str) -> Callable[..., Any]:
    def load_data(path_: str = "mnist.npz") -> Any:
        import numpy as np

        with np.load(path, allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])

    load_data.__doc__ = f"MNIST as staged by the grader (offline) from {os.path.basename(path)}."
    return load_data


def install_datasets(datasets: dict[str, str], workdir: str) -> None:
    for name, rel in datasets.items():
        if name != "mnist":
            continue
        loader = _mnist_loader(os.path.join(workdir, rel))

        def patch(module: ModuleType, loader: Callable[..., Any] = loader) -> None:
            module.load_data = loader  # type: ignore[attr-defined]

        for module in ("keras.src.datasets.mnist", "tf_keras.src.datasets.mnist"):
            sys.meta_path.insert(0, _PatchAfterImport(module, patch))


def _floats(values: Any) -> list[float | None]:
    out: list[float | None] = []
    for v in list(values)[:_MAX_POINTS]:
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = math.nan
        out.append(f if math.isfinite(f) else None)
    return out


def _series(ax: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for line in ax.get_lines():
        found.append({"type": "line", "label": str(line.get_label()),
                      "x": _floats(line.get_xdata(orig=False)), "y": _floats(line.get_ydata(orig=False))})
    for coll in ax.collections:
        offsets = coll.get_offsets()
        if len(offsets):
            found.append({"type": "scatter", "label": str(coll.get_label()),
                          "x": _floats(o[0] for o in offsets), "y": _floats(o[1] for o in offsets)})
    for container in getattr(ax, "containers", []):
        patches = [p for p in container if hasattr(p, "get_height")]
        if patches:
            found.append({"type": "bar", "label": str(container.get_label()),
                          "x": _floats(p.get_x() + p.get_width() / 2 for p in patches),
                          "y": _floats(p.get_height() for p in patches)})
    return found[:_MAX_SERIES]


def _snapshot(fig: Any) -> dict[str, Any]:
    axes = [{"title": str(ax.get_title()), "xlabel": str(ax.get_xlabel()),
             "ylabel": str(ax.get_ylabel()), "series": _series(ax)} for ax in fig.get_axes()[:_MAX_AXES]]
    return {"title": str(fig._suptitle.get_text()) if getattr(fig, "_suptitle", None) else "", "axes": axes}


def capture() -> None:
    """Snapshot every open figure (a no-op until the submission imports pyplot): a figure seen
    before updates its record, a new one (with axes) gets the next; closed ones are let go."""
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None or "matplotlib.pyplot" not in sys.modules:
        return
    managed = [manager.canvas.figure for manager in helpers.Gcf.get_all_fig_managers()]
    for fig in managed:
        _record(fig)
    alive = {id(fig) for fig in managed}
    for key in [key for key in _OPEN if key not in alive]:
        del _OPEN[key]


def _record(fig: Any) -> None:
    known = _OPEN.get(id(fig))
    if known is None and (len(RECORDS) >= _MAX_FIGURES or not fig.get_axes()):
        return  # an empty plt.figure() is not a figure drawn (yet)
    try:
        snapshot = _snapshot(fig)
    except Exception:  # a figure the reader does not understand is skipped, not fatal
        return
    if known is None:
        _OPEN[id(fig)] = (fig, len(RECORDS))
        RECORDS.append(snapshot)
    else:
        RECORDS[known[1]] = snapshot


def _open_figures() -> list[Any]:
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None or "matplotlib.pyplot" not in sys.modules:
        return []
    backend = str(sys.modules["matplotlib.pyplot"].get_backend()).lower()
    if "inline" in backend:  # the inline backend shows them itself
        return []
    return [manager.canvas.figure for manager in helpers.Gcf.get_all_fig_managers()]


def _png(fig: Any) -> str:
    width, height = (max(float(v), 0.01) for v in fig.get_size_inches())
    dpi = min(_DPI, math.sqrt(_MAX_PIXELS / (width * height)))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def show_figures(again: bool = False) -> None:
    """A PNG of each open figure with axes (``again``: also those shown before), at most 50 a run."""
    for fig in _open_figures():
        if _RENDERS[0] >= _MAX_RENDERS or (id(fig) in _RENDERED and not again) or not fig.get_axes():
            continue
        _RENDERED[id(fig)] = fig
        _RENDERS[0] += 1
        try:
            png = _png(fig)
        except Exception:  # a figure that cannot be drawn is not shown; the student's code goes on
            continue
        _emit(png)


def _emit(png: str) -> None:
    shell = _shell()
    if shell is not None:
        from IPython.display import display

        display({"image/png": png}, raw=True)
    elif FIGURE_SINK is not None:
        FIGURE_SINK(png)


def _patch_pyplot(pyplot: ModuleType, snapshots: bool) -> None:
    show, close = pyplot.show, pyplot.close

    def grader_show(*args: Any, **kwargs: Any) -> Any:
        if snapshots:
            capture()
        show_figures(again=True)
        try:
            return show(*args, **kwargs)
        finally:
            if snapshots:
                close("all")  # what was shown is done: the next plot is a new figure
                capture()

    grader_show.__wrapped__ = show  # type: ignore[attr-defined]
    pyplot.show = grader_show  # type: ignore[attr-defined]
    if snapshots:
        _patch_close(pyplot, close)


def _patch_close(pyplot: ModuleType, close: Callable[..., Any]) -> None:
    def grader_close(*args: Any, **kwargs: Any) -> Any:
        capture()  # plt.savefig(...); plt.close(): the figure was never shown
        result = close(*args, **kwargs)
        capture()
        return result

    grader_close.__wrapped__ = close  # type: ignore[attr-defined]
    pyplot.close = grader_close  # type: ignore[attr-defined]


def install_figures(snapshots: bool) -> None:
    """PNGs of the figures shown, always; ``snapshots`` (their data) for plot checks."""
    patch = functools.partial(_patch_pyplot, snapshots=snapshots)
    sys.meta_path.insert(0, _PatchAfterImport("matplotlib.pyplot", patch))
    shell = _shell()
    if shell is not None:  # in a kernel: runs before %matplotlib inline closes the cell's figures
        if snapshots:
            shell.events.register("post_execute", capture)
        shell.events.register("post_execute", show_figures)


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython else None


def figures() -> list[dict[str, Any]]:
    capture()
    return list(RECORDS)


class Presence:
    """Which answers each cell left defined, so that a student whose answer is missing at the end
    learns which cell removed it (a ``del``, ``%reset``) instead of only that it is missing."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.cells = 0
        self.last_seen: dict[str, int] = {}

    def after_cell(self, namespace: dict[str, Any]) -> None:
        for name in self.names:
            if name in namespace:
                self.last_seen[name] = self.cells
        self.cells += 1

    def removed(self, namespace: dict[str, Any]) -> dict[str, int]:
        """Missing answers that a cell had defined -> the ordinal of the code cell that removed them."""
        return {name: seen + 1 for name, seen in self.last_seen.items() if name not in namespace}


PRESENCE = Presence()


def _harness_module(name: str) -> ModuleType:
    """A sibling harness module, loaded by path (a student's module of the same name cannot stand
    in for it) under the name ``extract._sibling`` uses, so both see the same module state."""
    if f"_grader_{name}" not in sys.modules:
        spec = importlib.util.spec_from_file_location(f"_grader_{name}", os.path.join(
            os.path.dirname(os.path.abspath(__file__)), f"{name}.py"))
        assert spec is not None and spec.loader is not None
        sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[f"_grader_{name}"]


def install_colab(shell: Any) -> None:
    colab = _harness_module("colab")
    sys.meta_path.append(colab.ColabFinder())  # after the real finders: only what they cannot find
    os.environ.setdefault("TQDM_DISABLE", "1")  # read when tqdm is imported
    if shell is not None:
        colab.install_magics(shell)


def install(job: dict[str, Any]) -> None:
    install_datasets(job.get("datasets") or {}, job["workdir"])
    install_figures(bool(job.get("figures")))
    PRESENCE.names = list(job["answers"])
    _harness_module("training").install(_PatchAfterImport)  # records what each Keras fit() call trained
    shell = _shell()
    install_colab(shell)
    if shell is not None:  # silent runs (the grader's own) do not trigger post_run_cell
        shell.events.register("post_run_cell", lambda result: PRESENCE.after_cell(shell.user_ns))
