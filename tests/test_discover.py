import hashlib
import os
import socket
import zipfile
from pathlib import Path

import pytest

from grader.grading.discover import (
    RESERVED_IDS,
    Prepared,
    Submission,
    SubmissionProblem,
    choose_main,
    discover,
    discovery_warnings,
    prepare_files,
)
from grader.report.writers import BATCH_WRITERS
from grader.sheet import Sheet, load_sheet


def prepare(sub: Submission, sheet: Sheet, workdir: Path) -> Prepared:
    """The submission prepared by ``sheet``'s rules, as a grading run prepares it."""
    return prepare_files(sub, workdir, sheet.spec.submission.filenames, sheet.spec.limits.max_unpacked_mib,
                         sheet.data_files())


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


def make_zip(path, names):
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "{}" if name.endswith(".ipynb") else "x = 1\n")
    return path


def prepared_main(tmp_path, sheet, sub):
    (tmp_path / "work").mkdir()
    prepared = prepare(sub, sheet, tmp_path / "work")
    return prepared.main.relative_to(tmp_path / "work").as_posix()


@pytest.mark.parametrize(("names", "main"), [
    (["hw4/hw4/exercise4.py"], "hw4/exercise4.py"),
    (["hw4/hw4/exercise4.py", "hw4/hw4.unwrap/x.txt"], "hw4/exercise4.py"),
    ([".unwrap0/.unwrap0/exercise4.py"], ".unwrap0/exercise4.py"),
])
def test_zip_whose_folder_holds_a_folder_of_the_same_name(tmp_path, sheet, names, main):
    sub = Submission("hw4", make_zip(tmp_path / "hw4.zip", names), "zip")
    assert prepared_main(tmp_path, sheet, sub) == main
    assert not list((tmp_path / "work").glob(".unwrap*/.unwrap*"))


def test_unreadable_zip_is_a_problem_for_the_student(tmp_path, sheet):
    with pytest.warns(UserWarning), zipfile.ZipFile(tmp_path / "anna.zip", "w") as zf:
        zf.writestr("exercise4.py", "x = 1")
        zf.writestr("exercise4.py", "x = 2")
    with pytest.raises(SubmissionProblem, match=r"two entries named 'exercise4\.py'"):
        prepared_main(tmp_path, sheet, Submission("anna", tmp_path / "anna.zip", "zip"))


def ids(folder):
    return {s.path.name: s.student for s in discover(folder)}


def test_colliding_ids_are_kept_apart_whatever_the_listing_order(tmp_path, monkeypatch):
    (tmp_path / "alice").mkdir()
    for name in ("alice.py", "bob.ipynb", "Carl.py", "carl.ipynb"):
        (tmp_path / name).write_text("{}")
    expected = {"alice": "alice", "alice.py": "alice.py", "bob.ipynb": "bob",
                "Carl.py": "Carl.py", "carl.ipynb": "carl.ipynb"}
    assert ids(tmp_path) == expected
    listing = Path.iterdir
    monkeypatch.setattr(Path, "iterdir", lambda p: reversed(list(listing(p))))
    assert ids(tmp_path) == expected
    subs = discover(tmp_path)
    assert discovery_warnings(subs) == [
        "Carl.py is graded as 'Carl.py': another submission would also be 'Carl'",
        "alice.py is graded as 'alice.py': another submission would also be 'alice'",
        "carl.ipynb is graded as 'carl.ipynb': another submission would also be 'carl'"]


def test_ids_equal_even_as_full_names_are_numbered(tmp_path):
    for name in ("al\u202eice.py", "alice.py", "al\u0007ice.py"):
        (tmp_path / name).write_text("")
    # the plain name first, then by bytes: \x07 before \xe2
    assert ids(tmp_path) == {"alice.py": "alice.py", "al\u0007ice.py": "alice.py-2",
                             "al\u202eice.py": "alice.py-3"}
    notes = {s.student: s.notes for s in discover(tmp_path)}
    assert "numbered: 'alice.py' is taken" in notes["alice.py-2"]


def test_ids_are_normalised(tmp_path):
    names = {"Jose\u0301.py": "Jos\u00e9", "\u202eevil\u202c.py": "evil", "tab\tbed.py": "tabbed",
             "bell\u0007\u0085\u007f.py": "bell", " padded .py": "padded", "\u2066\u2069.py": None}
    for name in names:
        (tmp_path / name).write_text("")
    found = ids(tmp_path)
    fallback = "student-" + hashlib.sha256("\u2066\u2069.py".encode()).hexdigest()[:8]
    assert found == {name: sid or fallback for name, sid in names.items()}
    by_id = {s.student: s for s in discover(tmp_path)}
    assert by_id["Jos\u00e9"].notes == () and by_id["Jos\u00e9"].source_name == "Jose\u0301.py"
    assert by_id["evil"].source_name == repr("\u202eevil\u202c.py".encode())
    assert "nothing usable is left of its name" in by_id[fallback].notes


def test_a_name_that_is_not_utf8(tmp_path, sheet):
    os.mkdir(tmp_path / "subs")
    (tmp_path / "subs" / os.fsdecode(b"caf\xe9.py")).write_text("x = 1\n")
    [sub] = discover(tmp_path / "subs")
    assert sub.student == "caf\ufffd" and sub.source_name == "b'caf\\xe9.py'"
    assert discovery_warnings([sub]) == [
        "b'caf\\xe9.py' is graded as 'caf\ufffd': its name is not valid UTF-8"]
    assert len(sub.sha256) == 64
    assert prepared_main(tmp_path, sheet, sub) == "caf\ufffd.py"  # a name the report can hold


def test_a_folder_with_names_that_are_not_utf8(tmp_path, sheet):
    folder = tmp_path / "anna"
    (folder / os.fsdecode(b"d\xe9j\xe0")).mkdir(parents=True)
    (folder / os.fsdecode(b"d\xe9j\xe0") / os.fsdecode(b"\xff.py")).write_text("x = 1\n")
    sub = Submission("anna", folder, "folder")
    assert len(sub.sha256) == 64
    assert prepared_main(tmp_path, sheet, sub) == "d\ufffdj\ufffd/\ufffd.py"


def test_names_that_repair_to_the_same_name_are_a_problem(tmp_path, sheet):
    folder = tmp_path / "anna"
    folder.mkdir()
    for raw in (b"\xff.py", b"\xfe.py"):
        (folder / os.fsdecode(raw)).write_text("x = 1\n")
    with pytest.raises(SubmissionProblem, match="differ only in bytes that are not UTF-8"):
        prepared_main(tmp_path, sheet, Submission("anna", folder, "folder"))


def test_reserved_names(tmp_path):
    (tmp_path / "review").mkdir()
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__pycache__").mkdir()
    for name in ("gradebook.csv.py", "Summary.HTML.ipynb", "_alice.py", ".hidden.py", "\u202e.._x.py"):
        (tmp_path / name).write_text("")
    assert ids(tmp_path) == {
        "review": "review-submission", "gradebook.csv.py": "gradebook.csv-submission",
        "Summary.HTML.ipynb": "Summary.HTML-submission", "_alice.py": "submission-_alice",
        "\u202e.._x.py": "submission-.._x"}
    assert ("gradebook.csv.py is graded as 'gradebook.csv-submission': 'gradebook.csv' is the name "
            "of a file the grader writes") in discovery_warnings(discover(tmp_path))
    assert {*BATCH_WRITERS, "overrides.csv"} <= RESERVED_IDS  # OUT's own files


def test_special_files_are_not_read(tmp_path, sheet, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe.py")
    os.symlink("missing.py", "broken.py")
    (tmp_path / "anna").mkdir()
    (tmp_path / "anna" / "exercise4.py").write_text("x = 1\n")
    os.mkfifo("anna/fifo.py")
    os.symlink("nowhere", "anna/broken")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("anna/sock.py")
        subs = {s.student: s for s in discover(tmp_path)}
        assert {k: s.kind for k, s in subs.items()} == {"anna": "folder", "broken": None, "pipe": None}
        assert all(len(s.sha256) == 64 for s in subs.values())  # a FIFO would block on reading
        assert prepared_main(tmp_path, sheet, subs["anna"]) == "exercise4.py"
    with pytest.raises(SubmissionProblem, match=r"pipe\.py: not a regular file or folder"):
        prepare(subs["pipe"], sheet, tmp_path / "work")


def test_out_inside_or_equal_to_submissions_is_refused(tmp_path):
    from grader.grading.discover import BatchError, check_out

    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    found = discover(subs)
    for out in (subs, subs / "out"):
        with pytest.raises(BatchError, match="inside SUBMISSIONS"):
            check_out(subs, out, found)
    check_out(subs, tmp_path / "out", found)  # beside it: fine


def test_a_file_where_a_report_folder_goes_is_refused_before_grading(tmp_path):
    """Review finding: a TA's note OUT/carol made the batch die half-way (FileExistsError)."""
    from grader.grading.discover import BatchError, check_out

    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "carol").mkdir(parents=True)
    out.mkdir()
    (out / "carol").write_text("TA notes")
    with pytest.raises(BatchError, match="where a student's report folder goes"):
        check_out(subs, out, discover(subs))


def test_submissions_where_a_report_folder_would_go_is_refused(tmp_path):
    from grader.grading.discover import BatchError, check_out

    subs = tmp_path / "subs"
    (subs / "subs.py").parent.mkdir(parents=True)
    (subs / "subs.py").write_text("x = 1\n")
    with pytest.raises(BatchError, match="report folder of 'subs'"):
        check_out(subs, tmp_path, discover(subs))
