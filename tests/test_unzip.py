import stat
import zipfile

import pytest

from grader.unzip import UnsafeArchive, safe_extract


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
