"""Find the submissions in a folder and prepare each one's working copy.

One entry per student: a folder, a ``.zip``, a single ``.ipynb`` or a single ``.py``; the
student id is the folder name or file stem, made safe as a folder name under OUT (see
:func:`discover`). Preparing copies (or safely unpacks) it into a fresh working folder with the
sheet's data files, and picks the file to run. Problems a student caused raise
:class:`SubmissionProblem`, which becomes that student's report.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import shutil
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.grading.unzip import UnsafeArchive, safe_extract
from grader.sheet import hash_tree

EntryKind = Literal["folder", "zip", "notebook", "script"]
_SUFFIXES: dict[str, EntryKind] = {".zip": "zip", ".ipynb": "notebook", ".py": "script"}
_IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"}
# OUT holds one folder per student next to the batch's own files: no id may take their names.
# Ids starting with "." or "_" are reserved too (hidden and temporary files of the writers).
RESERVED_IDS = frozenset({"gradebook.csv", "lms.csv", "summary.html", "summary.json",
                          "overrides.csv", "review"})
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_MAX_ID_BYTES = 200  # room for a suffix within the usual 255-byte limit of a file name


class SubmissionProblem(Exception):
    """A submission cannot be run; the message is written for the student."""


@dataclass(frozen=True)
class Submission:
    """``notes``: why ``student`` differs from the entry's name, for the TA (see discovery_warnings)."""

    student: str
    path: Path
    kind: EntryKind | None  # None: a file type the grader does not take
    notes: tuple[str, ...] = ()

    @property
    def source_name(self) -> str:
        """The entry's name as found, printable: its raw bytes' repr when it is not clean text."""
        name = self.path.name
        return name if _strip(name) == name else repr(os.fsencode(name))

    @functools.cached_property
    def sha256(self) -> str:
        """Computed once per Submission (the resume check and the report both need it)."""
        if self.path.is_dir():
            return hash_tree(self.path)
        if not self.path.is_file():  # FIFO, socket, broken link: never read (a FIFO would block)
            return hashlib.sha256(b"not a regular file").hexdigest()
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Prepared:
    main: Path
    kind: Literal["notebook", "script"]
    workdir: Path


def discover(folder: Path) -> list[Submission]:
    """Every student's entry in ``folder``, sorted, each with a distinct id usable as a folder name.

    Ids are the entry's name without its suffix, in NFC, without control or bidirectional
    characters; a name that is not UTF-8 is decoded with replacement characters. Entries whose
    ids collide (``alice/`` and ``alice.py``, also when they differ only in case) keep their full
    names as ids, numbered if that is not enough. Hidden entries and cache folders are skipped.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    entries = sorted((p for p in folder.absolute().iterdir()  # absolute: Dask workers have another cwd
                      if not p.name.startswith(".") and p.name not in _IGNORED_DIRS),
                     key=lambda p: os.fsencode(p.name))
    return [Submission(student, p, _kind(p), notes)
            for p, (student, notes) in zip(entries, _assign_ids(entries), strict=True)]


class BatchError(Exception):
    """The folders of a batch do not fit together (a TA's slip); nothing was graded."""


def check_paths(submissions: Path, out: Path) -> None:
    """A TA's slip in the two paths, told before anything runs (or is even discovered)."""
    if submissions.is_file():
        raise BatchError(f"{submissions} is a file; SUBMISSIONS is the folder that holds one entry per "
                         "student (a folder, .zip, .ipynb or .py each)")
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise BatchError(f"--out {out}: {existing} is a file; choose a folder for the reports (a new one, "
                         "or the one an earlier run wrote)")


def check_out(submissions: Path, out: Path, subs: list[Submission]) -> None:
    """The paths (:func:`check_paths`); then OUT must not be inside SUBMISSIONS (its report
    folders would be graded as students) nor hold, where a student's report folder goes, a file
    or link of someone else's."""
    check_paths(submissions, out)
    subs_dir, out_dir = submissions.resolve(), out.resolve()
    if out_dir == subs_dir or subs_dir in out_dir.parents:
        raise BatchError(f"--out {out} is inside SUBMISSIONS {submissions}: its report folders would be "
                         "graded as students; choose a folder outside it")
    taken = [out / s.student for s in subs if (out / s.student).is_symlink()
             or ((out / s.student).exists() and not (out / s.student).is_dir())]
    if taken:
        raise BatchError(f"{', '.join(map(str, taken[:5]))} in OUT is a file or link where a student's "
                         "report folder goes: move it away, or choose another --out")
    inside = [s.student for s in subs
              if (out_dir / s.student) == subs_dir or (out_dir / s.student) in subs_dir.parents]
    if inside:
        raise BatchError(f"SUBMISSIONS {submissions} is where the report folder of {inside[0]!r} would go: "
                         "choose another --out")


def discovery_warnings(subs: list[Submission]) -> list[str]:
    """One line per submission graded under an id other than its name, for the TA."""
    return [f"{s.source_name} is graded as {s.student!r}: {'; '.join(s.notes)}"
            for s in subs if s.notes]


def _kind(path: Path) -> EntryKind | None:
    if path.is_dir():
        return "folder"
    return _SUFFIXES.get(path.suffix.lower()) if path.is_file() else None


def _assign_ids(entries: list[Path]) -> list[tuple[str, tuple[str, ...]]]:
    """Short ids where unique, full names where they collide: the same whatever the listing
    order, since ``entries`` are sorted by their bytes. Case counts as the same (macOS, Windows)."""
    short = [_make_id(p.name if p.is_dir() else p.stem, p.name) for p in entries]
    clash = Counter(sid.casefold() for sid, _ in short)
    chosen = [(sid, notes) if clash[sid.casefold()] == 1 else _full_name_id(p, sid)
              for p, (sid, notes) in zip(entries, short, strict=True)]
    return _number_duplicates(entries, chosen)


def _full_name_id(path: Path, short: str) -> tuple[str, tuple[str, ...]]:
    sid, notes = _make_id(path.name, path.name)
    return sid, ((f"another submission would also be {short!r}", *notes) if sid != short else notes)


def _number_duplicates(entries: list[Path], chosen: list[tuple[str, tuple[str, ...]]]
                       ) -> list[tuple[str, tuple[str, ...]]]:
    """Full names can still be equal once cleaned (``Alice.py``, ``alice.py``): -2, -3... The
    plain names claim theirs first, the others in the order of their bytes."""
    wanted = {sid.casefold() for sid, _ in chosen}
    taken: set[str] = set()
    result = list(chosen)
    for i in sorted(range(len(chosen)), key=lambda i: _strip(entries[i].name) != entries[i].name):
        sid, notes = chosen[i]
        final, n = sid, 1
        while final.casefold() in taken or (n > 1 and final.casefold() in wanted):
            n += 1
            final = f"{sid}-{n}"
        taken.add(final.casefold())
        result[i] = (final, (*notes, f"numbered: {sid!r} is taken") if n > 1 else notes)
    return result


def _make_id(text: str, raw: str) -> tuple[str, tuple[str, ...]]:
    """``text`` (a name or stem) made a safe folder name; ``raw``, the entry's name, seeds fallbacks."""
    notes = []
    decoded = os.fsencode(text).decode("utf-8", "replace")
    if decoded != text:
        notes.append("its name is not valid UTF-8")
    sid = _clean(decoded)
    if sid != unicodedata.normalize("NFC", decoded):
        notes.append("control characters, bidirectional marks or edge spaces removed from its name")
    tag = hashlib.sha256(os.fsencode(raw)).hexdigest()[:8]
    if not sid:
        sid = f"student-{tag}"
        notes.append("nothing usable is left of its name")
    elif len(sid.encode()) > _MAX_ID_BYTES:
        sid = sid.encode()[:_MAX_ID_BYTES - 9].decode(errors="ignore") + f"-{tag}"
        notes.append("its name is too long")
    if sid.casefold() in RESERVED_IDS:
        notes.append(f"{sid!r} is the name of a file the grader writes")
        sid = f"{sid}-submission"
    elif sid.startswith((".", "_")):
        notes.append("names starting with '.' or '_' are reserved for the grader's own files")
        sid = f"submission-{sid}"
    return sid, tuple(notes)


def _clean(name: str) -> str:
    """NFC, without surrogates (undecodable bytes), control or bidi characters, or edge spaces."""
    return _strip(unicodedata.normalize("NFC", name)).replace("/", "_").strip()


def _strip(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cs") and ord(c) not in _BIDI)


def prepare_files(sub: Submission, workdir: Path, filenames: list[str], max_unpacked_mib: int,
                  data: list[Path]) -> Prepared:
    """Fill ``workdir`` (which must exist and be empty) by the sheet's rules (``grader check`` has
    them from a public lock, with no sheet) and choose the file to run."""
    if sub.kind is None:
        what = "not a folder, .zip, .ipynb or .py file" if sub.path.is_file() else \
            "not a regular file or folder"
        raise SubmissionProblem(f"{sub.source_name}: {what}")
    try:
        _fill(sub, workdir, max_unpacked_mib)
    except OSError as exc:  # e.g. an unreadable file in the student's folder
        raise SubmissionProblem(f"the submission cannot be copied: {exc}") from None
    _repair_names(workdir)
    main = choose_main(workdir, filenames)
    for file in data:
        place_file(file, workdir, file.name)
    return Prepared(main=main, kind="notebook" if main.suffix == ".ipynb" else "script", workdir=workdir)


def _fill(sub: Submission, workdir: Path, max_unpacked_mib: int) -> None:
    if sub.kind == "zip":
        try:
            safe_extract(sub.path, workdir, max_unpacked_mib * 2**20)
        except UnsafeArchive as exc:
            raise SubmissionProblem(str(exc)) from None
        _unwrap_single_folder(workdir)
    elif sub.kind == "folder":
        shutil.copytree(sub.path, workdir, dirs_exist_ok=True, symlinks=True, ignore=_skipped)
    else:
        shutil.copyfile(sub.path, workdir / sub.path.name)


def _skipped(folder: str, names: list[str]) -> set[str]:
    """Cache folders, and FIFOs, sockets and devices: copying one would block or fail."""
    def special(name: str) -> bool:
        mode = os.lstat(os.path.join(folder, name)).st_mode
        return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))
    return {n for n in names if n in _IGNORED_DIRS or special(n)}


def _repair_names(workdir: Path) -> None:
    """A name that is not UTF-8 could not go into the job or the report: replacement characters."""
    for folder, dirs, files in os.walk(workdir, topdown=False):
        for name in dirs + files:
            fixed = os.fsencode(name).decode("utf-8", "replace")
            if fixed == name:
                continue
            if os.path.lexists(os.path.join(folder, fixed)):
                raise SubmissionProblem(f"the file names {os.fsencode(name)!r} and {fixed!r} differ "
                                        "only in bytes that are not UTF-8: rename one")
            os.rename(os.path.join(folder, name), os.path.join(folder, fixed))


def place_file(source: Path, workdir: Path, rel: str) -> None:
    """Copy a grader-provided file to ``workdir/rel``, replacing whatever the student put there.

    Never through a symlink: a submission's ``Eckerle4.csv -> /etc/passwd`` would otherwise make
    the grader (outside the sandbox) overwrite a host file."""
    target, parts = workdir, Path(rel).parts
    for depth, part in enumerate(parts, 1):
        target = target / part
        last = depth == len(parts)
        if target.is_symlink() or target.is_file() or (last and target.exists()):
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target, follow_symlinks=False)


def _unwrap_single_folder(workdir: Path) -> None:
    """Students often zip their folder: use its content when it is the only entry."""
    entries = list(workdir.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        inner = entries[0]
        # Moved aside first, under a name none of its children has: ``hw4/hw4/`` is common.
        names = {inner.name, *(c.name for c in inner.iterdir())}
        aside = next(f".unwrap{i}" for i in itertools.count() if f".unwrap{i}" not in names)
        inner = inner.rename(workdir / aside)
        for child in inner.iterdir():
            child.rename(workdir / child.name)
        inner.rmdir()


def _candidates(workdir: Path, suffix: str) -> list[Path]:
    return sorted(p for p in workdir.rglob(f"*{suffix}") if p.is_file() and not p.is_symlink()
                  and not _IGNORED_DIRS.intersection(p.relative_to(workdir).parts))


def choose_main(workdir: Path, preferred: list[str]) -> Path:
    notebooks, scripts = _candidates(workdir, ".ipynb"), _candidates(workdir, ".py")
    wanted = {name.lower() for name in preferred}
    named = [p for p in notebooks + scripts if p.name.lower() in wanted]
    if len(named) == 1:
        return named[0]
    pool = named or notebooks or scripts
    if len(pool) == 1:
        return pool[0]
    if not pool:
        raise SubmissionProblem("no notebook (.ipynb) or Python script (.py) found in the submission")
    found = ", ".join(p.relative_to(workdir).as_posix() for p in pool)
    ask = f" or name it {' / '.join(preferred)}" if preferred else ""
    raise SubmissionProblem(f"cannot tell which file to grade: found {found}; "
                            f"keep one{ask}")
