"""Unpack a student's zip without trusting it.

Refused: absolute paths, ``..`` components, symlinks and device files, two entries with the same
name, a name used both as a file and as a folder, more than ``max_files`` entries, and more than
``max_bytes`` unpacked in total (counted while writing, so a zip bomb that lies in its headers is
stopped too). Whatever else goes wrong while reading the zip (a corrupt stream, a name that is not
valid UTF-8 although the zip says it is) is an :class:`UnsafeArchive` too, never a crash.
"""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath

_CHUNK = 1 << 16
# What zipfile and zlib raise on a damaged or unsupported archive (RuntimeError: encrypted entry).
_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
               RuntimeError, zlib.error, struct.error, UnicodeDecodeError, ValueError)


class UnsafeArchive(Exception):
    """The zip cannot be unpacked safely; the message says why (shown to the student)."""


def _parts(name: str) -> tuple[str, ...] | None:
    """The entry's path inside the submission; None for entries to skip (macOS resource forks)."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchive(f"the zip entry {name!r} points outside the submission folder")
    if not path.parts or path.parts[0] == "__MACOSX":
        return None
    return path.parts


def _plan(infos: list[zipfile.ZipInfo]) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """Check every entry before writing anything: a half-unpacked refusal helps nobody."""
    plan: list[tuple[zipfile.ZipInfo, tuple[str, ...]]] = []
    files: dict[tuple[str, ...], str] = {}
    dirs: set[tuple[str, ...]] = set()
    for info in infos:
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip stores no file type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchive(f"the zip entry {info.filename!r} is a link or special file")
        parts = _parts(info.filename)
        if parts is None:
            continue
        if not info.is_dir():
            if parts in files:
                raise UnsafeArchive(f"the zip has two entries named {info.filename!r}: keep one")
            files[parts] = info.filename
        dirs.update(parts[:i] for i in range(1, len(parts) + info.is_dir()))
        plan.append((info, parts))
    for parts, name in files.items():
        if parts in dirs:
            raise UnsafeArchive(f"the zip uses {name!r} both as a file and as a folder: rename one")
    return plan


def safe_extract(archive: Path, dest: Path, max_bytes: int, max_files: int = 2000) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > max_files:
                raise UnsafeArchive(f"the zip has {len(infos)} entries; the limit is {max_files}")
            budget = max_bytes
            for info, parts in _plan(infos):
                budget = _extract_one(zf, info, dest.joinpath(*parts), budget)
    except _UNREADABLE as exc:
        raise UnsafeArchive(f"the zip cannot be read: {exc}") from None
    except OSError as exc:  # e.g. the archive file itself cannot be opened
        raise UnsafeArchive(f"the zip cannot be read: {exc.strerror or exc}") from None


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    try:
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
    except _UNREADABLE as exc:
        raise UnsafeArchive(f"the zip entry {info.filename!r} cannot be read: {exc}") from None
    except OSError as exc:  # e.g. a name too long for the file system
        raise UnsafeArchive(f"the zip entry {info.filename!r} cannot be unpacked: "
                            f"{exc.strerror or exc}") from None
    return budget
