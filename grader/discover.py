"""Find the submissions in a folder and prepare each one's working copy.

One entry per student: a folder, a ``.zip``, a single ``.ipynb`` or a single ``.py``; the
student id is the folder name or file stem. Preparing copies (or safely unpacks) it into a
fresh working folder with the sheet's data files, and picks the file to run. Problems a
student caused raise :class:`SubmissionProblem`, which becomes that student's report.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.sheet import Sheet, hash_tree
from grader.unzip import UnsafeArchive, safe_extract

EntryKind = Literal["folder", "zip", "notebook", "script"]
_SUFFIXES: dict[str, EntryKind] = {".zip": "zip", ".ipynb": "notebook", ".py": "script"}
_IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", ".git"}


class SubmissionProblem(Exception):
    """A submission cannot be run; the message is written for the student."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    kind: EntryKind | None  # None: a file type the grader does not take

    def sha256(self) -> str:
        if self.path.is_dir():
            return hash_tree(self.path)
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Prepared:
    main: Path
    kind: Literal["notebook", "script"]
    workdir: Path


def discover(folder: Path) -> list[Submission]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_")))
    return [Submission(p.stem if p.is_file() else p.name, p,
                       "folder" if p.is_dir() else _SUFFIXES.get(p.suffix.lower())) for p in entries]


def prepare(sub: Submission, sheet: Sheet, workdir: Path) -> Prepared:
    """Fill ``workdir`` (which must exist and be empty) and choose the file to run."""
    if sub.kind is None:
        raise SubmissionProblem(f"{sub.path.name}: not a folder, .zip, .ipynb or .py file")
    if sub.kind == "zip":
        try:
            safe_extract(sub.path, workdir, sheet.spec.limits.max_unpacked_mib * 2**20)
        except UnsafeArchive as exc:
            raise SubmissionProblem(str(exc)) from None
        _unwrap_single_folder(workdir)
    elif sub.kind == "folder":
        shutil.copytree(sub.path, workdir, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns(*_IGNORED_DIRS))
    else:
        shutil.copyfile(sub.path, workdir / sub.path.name)
    main = choose_main(workdir, sheet.spec.submission.filenames)
    for data in sheet.data_files():
        place_file(data, workdir, data.name)
    return Prepared(main=main, kind="notebook" if main.suffix == ".ipynb" else "script", workdir=workdir)


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
