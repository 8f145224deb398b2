"""The offline MNIST subset, and grader-provided files placed without following symlinks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.grading.discover import place_file
from grader.sheet import SheetError, datasets, load_sheet


def test_mnist_subset_is_real_stratified_and_shaped_like_keras():
    arrays = datasets.mnist_subset_arrays()
    assert arrays["x_train"].shape == (4000, 28, 28) and arrays["x_test"].shape == (1000, 28, 28)
    assert arrays["x_train"].dtype == np.uint8 and arrays["y_test"].dtype == np.uint8
    assert np.bincount(arrays["y_test"]).tolist() == [100] * 10
    assert np.bincount(arrays["y_train"]).tolist() == [400] * 10
    assert arrays["x_train"].max() == 255 and len(set(arrays["y_train"][:20].tolist())) > 3  # shuffled


def test_identity_names_the_data_and_a_ta_file_overrides(tmp_path):
    sheet = load_sheet("statphys-1")
    assert "MNIST subset: 5,000 real digits" in datasets.identity(sheet)
    fake = tmp_path / "mnist.npz"
    np.savez(fake, x_train=np.zeros((1, 28, 28), np.uint8))
    assert "MNIST file given by the TA (mnist.npz" in datasets.identity(sheet.with_data(mnist=fake))
    with pytest.raises(SheetError, match="no such file"):
        datasets.identity(sheet.with_data(mnist=tmp_path / "missing.npz"))


def test_place_file_replaces_a_students_symlink_instead_of_writing_through_it(tmp_path: Path):
    victim = tmp_path / "victim.txt"
    victim.write_text("host file")
    work = tmp_path / "work"
    (work / ".keras").mkdir(parents=True)
    (work / "Eckerle4.csv").symlink_to(victim)
    (work / ".keras" / "datasets").symlink_to(tmp_path)  # a directory link on the way
    source = tmp_path / "source.bin"
    source.write_text("grader data")
    place_file(source, work, "Eckerle4.csv")
    place_file(source, work, ".keras/datasets/mnist.npz")
    assert victim.read_text() == "host file" and not (tmp_path / "mnist.npz").exists()
    assert (work / "Eckerle4.csv").read_text() == "grader data" and not (work / "Eckerle4.csv").is_symlink()
    assert (work / ".keras" / "datasets" / "mnist.npz").read_text() == "grader data"
