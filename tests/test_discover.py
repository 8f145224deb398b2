import zipfile

import pytest

from grader.discover import SubmissionProblem, choose_main, discover, prepare
from grader.sheet import load_sheet


@pytest.fixture
def sheet():
    return load_sheet("inf264-ex4")


def test_one_entry_per_student(tmp_path):
    (tmp_path / "anna").mkdir()
    (tmp_path / "ben.ipynb").write_text("{}")
    (tmp_path / "cem.py").write_text("")
    (tmp_path / "dora.zip").write_bytes(b"")
    (tmp_path / "eve.pdf").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"")
    subs = {s.student: s.kind for s in discover(tmp_path)}
    assert subs == {"anna": "folder", "ben": "notebook", "cem": "script", "dora": "zip", "eve": None}


def test_folder_with_one_notebook_and_helpers(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{}")
    (tmp_path / "helpers.py").write_text("")
    assert choose_main(tmp_path, []).name == "nb.ipynb"


def test_ambiguity_is_reported_and_the_sheet_name_resolves_it(tmp_path):
    for name in ("a.ipynb", "exercise4.ipynb"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(SubmissionProblem, match=r"found a\.ipynb, exercise4\.ipynb"):
        choose_main(tmp_path, [])
    assert choose_main(tmp_path, ["Exercise4.ipynb"]).name == "exercise4.ipynb"


def test_checkpoints_are_ignored(tmp_path):
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "nb-checkpoint.ipynb").write_text("{}")
    (tmp_path / "nb.ipynb").write_text("{}")
    assert choose_main(tmp_path, []).name == "nb.ipynb"


def test_empty_folder_is_a_problem(tmp_path, sheet):
    (tmp_path / "subs" / "anna").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    [sub] = discover(tmp_path / "subs")
    with pytest.raises(SubmissionProblem, match="no notebook"):
        prepare(sub, sheet, tmp_path / "work")


def test_zip_with_a_single_folder_is_unwrapped(tmp_path, sheet):
    (tmp_path / "subs").mkdir()
    with zipfile.ZipFile(tmp_path / "subs" / "anna.zip", "w") as zf:
        zf.writestr("anna/exercise4.ipynb", "{}")
        zf.writestr("__MACOSX/anna/._exercise4.ipynb", "junk")
    (tmp_path / "work").mkdir()
    [sub] = discover(tmp_path / "subs")
    prepared = prepare(sub, sheet, tmp_path / "work")
    assert prepared.main == tmp_path / "work" / "exercise4.ipynb" and prepared.kind == "notebook"


def test_unsupported_file_type_is_a_problem(tmp_path, sheet):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "anna.pdf").write_bytes(b"%PDF")
    [sub] = discover(tmp_path / "subs")
    with pytest.raises(SubmissionProblem, match=r"not a folder, \.zip, \.ipynb or \.py"):
        prepare(sub, sheet, tmp_path)
