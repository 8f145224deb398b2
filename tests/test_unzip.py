import stat
import zipfile

import pytest

from grader.grading.unzip import UnsafeArchive, safe_extract


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def test_normal_zip_unpacks(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("sub/x.py", "x = 1", None)])
    safe_extract(archive, tmp_path / "out", 10_000)
    assert (tmp_path / "out" / "sub" / "x.py").read_text() == "x = 1"


@pytest.mark.parametrize(("name", "mode", "why"), [
    ("../evil.py", None, "outside"),
    ("/etc/evil.py", None, "outside"),
    ("a/../../evil.py", None, "outside"),
    ("C:/evil.py", None, "outside"),
    ("link", stat.S_IFLNK | 0o777, "link"),
])
def test_escaping_entries_are_refused(tmp_path, name, mode, why):
    archive = make_zip(tmp_path / "a.zip", [(name, "/etc/shadow", mode)])
    with pytest.raises(UnsafeArchive, match=why):
        safe_extract(archive, tmp_path / "out", 10_000)
    assert not (tmp_path / "evil.py").exists()


def test_zip_bomb_is_stopped_while_writing(tmp_path):
    archive = make_zip(tmp_path / "bomb.zip", [("big.bin", b"\0" * 5_000_000, None)])
    assert archive.stat().st_size < 50_000
    with pytest.raises(UnsafeArchive, match="size limit"):
        safe_extract(archive, tmp_path / "out", 1_000_000)


def test_not_a_zip(tmp_path):
    (tmp_path / "a.zip").write_text("hello")
    with pytest.raises(UnsafeArchive, match="cannot be read"):
        safe_extract(tmp_path / "a.zip", tmp_path / "out", 1000)


def test_too_many_entries(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [(f"f{i}", "", None) for i in range(5)])
    with pytest.raises(UnsafeArchive, match="5 entries"):
        safe_extract(archive, tmp_path / "out", 1000, max_files=4)


def test_duplicate_entries_are_refused_by_name(tmp_path):
    archive = tmp_path / "a.zip"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("hw/x.py", "x = 1")
        zf.writestr("hw/x.py", "x = 2")
    with pytest.raises(UnsafeArchive, match=r"two entries named 'hw/x\.py'"):
        safe_extract(archive, tmp_path / "out", 10_000)
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("names", [["a", "a/b.py"], ["a/b.py", "a"], ["a/", "a"], ["a", "a/"]])
def test_a_name_both_file_and_folder_is_refused(tmp_path, names):
    archive = make_zip(tmp_path / "a.zip", [(name, "", None) for name in names])
    with pytest.raises(UnsafeArchive, match="both as a file and as a folder"):
        safe_extract(archive, tmp_path / "out", 10_000)


def test_corrupt_deflate_stream(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("x.py", "x = 1\n" * 500, None)])
    data = bytearray(archive.read_bytes())
    start = data.index(b"x.py") + len("x.py")  # the stream follows the first (local) header's name
    data[start:start + 20] = b"\xff" * 20
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeArchive, match=r"'x\.py' cannot be read"):
        safe_extract(archive, tmp_path / "out", 100_000)


def test_cp437_names_unpack(tmp_path, monkeypatch):
    # Old Windows zippers store names in cp437 without flag bit 11; zipfile writes them that way
    # when its name encoder is replaced.
    monkeypatch.setattr(zipfile.ZipInfo, "_encodeFilenameFlags",
                        lambda info: (info.filename.encode("cp437"), info.flag_bits & ~0x800))
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("caf\u00e9/\u00fcbung.py", "x = 1")
    assert "caf\u00e9".encode("cp437") in archive.read_bytes()
    monkeypatch.undo()
    safe_extract(archive, tmp_path / "out", 10_000)
    assert (tmp_path / "out" / "caf\u00e9" / "\u00fcbung.py").read_text() == "x = 1"


def test_invalid_utf8_name_flagged_as_utf8(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("caf\u00e9.py", "x = 1")  # non-ASCII: zipfile sets flag bit 11 (UTF-8)
    archive.write_bytes(archive.read_bytes().replace("caf\u00e9".encode(), b"caf\xff\xfe"))
    with pytest.raises(UnsafeArchive, match="cannot be read"):
        safe_extract(archive, tmp_path / "out", 10_000)


def test_unreadable_archive_file(tmp_path):
    (tmp_path / "a.zip").mkdir()
    with pytest.raises(UnsafeArchive, match="cannot be read"):
        safe_extract(tmp_path / "a.zip", tmp_path / "out", 10_000)

