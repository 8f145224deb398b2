"""Unpack a student's zip without trusting it.

Refused: absolute paths, ``..`` components, symlinks and device files, more than ``max_files``
entries, and more than ``max_bytes`` unpacked in total (counted while writing, so a zip bomb
that lies in its headers is stopped too).
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

_CHUNK = 1 << 16


class UnsafeArchive(Exception):
    """The zip cannot be unpacked safely; the message says why (shown to the student)."""


def _target(dest: Path, name: str) -> Path | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchive(f"the zip entry {name!r} points outside the submission folder")
    if not path.parts or path.parts[0] == "__MACOSX":
        return None
    return dest.joinpath(*path.parts)


def safe_extract(archive: Path, dest: Path, max_bytes: int, max_files: int = 2000) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > max_files:
                raise UnsafeArchive(f"the zip has {len(infos)} entries; the limit is {max_files}")
            budget = max_bytes
            for info in infos:
                budget = _extract_one(zf, info, dest, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise UnsafeArchive(f"the zip cannot be read: {exc}") from None
    except RuntimeError as exc:  # encrypted entries
        raise UnsafeArchive(f"the zip cannot be read: {exc}") from None


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: int) -> int:
    target = _target(dest, info.filename)
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip stores no file type
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        raise UnsafeArchive(f"the zip entry {info.filename!r} is a link or special file")
    if target is None:
        return budget
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return budget
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, open(target, "xb") as out:
        while chunk := src.read(_CHUNK):
            budget -= len(chunk)
            if budget < 0:
                raise UnsafeArchive("the zip unpacks to more than the size limit (a zip bomb?)")
            out.write(chunk)
    return budget
