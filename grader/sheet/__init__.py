"""Load a sheet folder: ``sheet.yaml`` validated into :class:`SheetSpec`, plus its trusted files.

A sheet folder holds ``sheet.yaml``, optionally ``derive.py`` (pure functions for alternatives
and follow-through, run by the grader, never in the sandbox), ``data/`` and the generated
``expected.lock.json``. Anything wrong raises :class:`SheetError` naming the file, the field and
the reason.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from grader.authoring.suggest import did_you_mean, fields_at
from grader.sheet.spec import Check, Limits, SheetSpec, all_derivations, student_derivations

# pydantic's union tags, dropped from error locations: the kinds of the Check union, in one place
KINDS = tuple(model.model_fields["kind"].default for model in get_args(get_args(Check)[0]))
REPO_ROOT = Path(__file__).resolve().parents[2]
SHEETS_ROOT = REPO_ROOT / "sheets"  # the bundled examples, when grader runs from its checkout
SHEETS_ENV = "GRADER_SHEETS"
LOCK_NAME = "expected.lock.json"


class SheetError(Exception):
    """A sheet (or its reference or lock) is broken: a course-staff error, not a student's."""


@dataclass(frozen=True)
class Sheet:
    spec: SheetSpec
    folder: Path
    derive: dict[str, Callable[..., Any]] = field(default_factory=dict)
    data_overrides: dict[str, Path] = field(default_factory=dict, hash=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def lock_path(self) -> Path:
        return self.folder / LOCK_NAME

    @property
    def reference_dir(self) -> Path:
        return (self.folder / (self.spec.reference or f"../../reference/{self.id}")).resolve()

    def with_limits(self, **overrides: float | None) -> Sheet:
        """The same sheet with some limits changed (e.g. from CLI flags); None keeps a value."""
        changed = {k: v for k, v in overrides.items() if v is not None}
        try:
            limits = Limits.model_validate({**self.spec.limits.model_dump(), **changed})
        except ValidationError as exc:
            raise SheetError(f"limits: {format_validation_error(exc, Limits)}") from None
        return replace(self, spec=self.spec.model_copy(update={"limits": limits}))

    def with_data(self, **paths: Path | None) -> Sheet:
        """The same sheet with datasets taken from the TA's files (e.g. mnist=genuine mnist.npz)."""
        given = {k: Path(v).resolve() for k, v in paths.items() if v is not None}
        return replace(self, data_overrides={**self.data_overrides, **given})

    def missing_modules(self) -> list[str]:
        """Modules the sheet says submissions import that this Python environment lacks."""
        return [m for m in self.spec.requires if importlib.util.find_spec(m) is None]

    def data_files(self) -> list[Path]:
        return [self.folder / "data" / name for name in self.spec.data]

    def locked_folder(self, path: Path) -> tuple[str, Path] | None:
        """``("sheet" | "reference", folder)`` when ``path`` lies in a folder the lock is made from
        (writing there would make the lock stale), else None."""
        target = path.resolve()
        for what, folder in (("sheet", self.folder), ("reference", self.reference_dir)):
            if target == folder.resolve() or folder.resolve() in target.parents:
                return what, folder
        return None

    def content_hash(self) -> str:
        """Hash of everything in the sheet folder that decides a grade (the lock excluded)."""
        return hash_tree(self.folder, exclude={LOCK_NAME})

    def __getstate__(self) -> dict[str, Any]:
        """Sent to a worker process without derive.py's functions (loaded from a file, they do
        not pickle by reference); they are loaded again, from the same folder, on arrival."""
        return {**self.__dict__, "derive": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        if state["derive"] is None:
            object.__setattr__(self, "derive", _load_derive(state["folder"]))


def hash_tree(root: Path, exclude: frozenset[str] | set[str] = frozenset()) -> str:
    digest = hashlib.sha256()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
        if rel in exclude or "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        name = rel.encode(errors="surrogateescape")  # a student's file name need not be UTF-8
        digest.update(name + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def sheet_roots() -> list[Path]:
    """Where a sheet id is looked up, the first match winning: the folders in $GRADER_SHEETS
    (``--sheets``), the nearest ``sheets/`` from the current folder upward (a course's own
    repository), then the bundled examples. The tool need not run from its own checkout."""
    roots = [Path(p) for p in os.environ.get(SHEETS_ENV, "").split(os.pathsep) if p]
    here = Path.cwd()
    roots += [d / "sheets" for d in (here, *here.parents) if (d / "sheets").is_dir()][:1]
    return list(dict.fromkeys(r.resolve() for r in [*roots, SHEETS_ROOT] if r.is_dir()))


def resolve_sheet_dir(ref: str | Path) -> Path:
    path = Path(ref)
    if (path / "sheet.yaml").is_file():
        return path.resolve()
    for root in sheet_roots():
        if (root / str(ref) / "sheet.yaml").is_file():
            return root / str(ref)
    searched = "; ".join(str(r) for r in sheet_roots()) or "no sheets folder found"
    raise SheetError(f"no sheet {str(ref)!r}: not a folder with sheet.yaml, nor one of: "
                     f"{', '.join(all_sheet_ids())} (looked in {searched}; --sheets DIR adds a folder)")


def all_sheet_ids() -> list[str]:
    return sorted({p.parent.name for root in sheet_roots() for p in root.glob("*/sheet.yaml")})


def load_sheet(ref: str | Path) -> Sheet:
    folder = resolve_sheet_dir(ref)
    yaml_path = folder / "sheet.yaml"
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
        spec = SheetSpec.model_validate(raw)
    except yaml.YAMLError as exc:
        raise SheetError(f"{yaml_path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise SheetError(f"{yaml_path}: {format_validation_error(exc)}") from None
    if spec.id != folder.name:
        raise SheetError(f"{yaml_path}: id: {spec.id!r} differs from the folder name {folder.name!r}")
    sheet = Sheet(spec=spec, folder=folder, derive=_load_derive(folder))
    _check_references(sheet, yaml_path)
    return sheet


def format_validation_error(exc: ValidationError, model: type[BaseModel] = SheetSpec) -> str:
    """Each error as ``field.path: reason``, with a "did you mean" for a mistyped key or kind."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if p not in KINDS)
        hint = ""
        if err["type"] == "extra_forbidden":
            hint = did_you_mean(str(err["loc"][-1]), fields_at(model, err["loc"][:-1]))
        elif err["type"] == "union_tag_invalid":
            hint = did_you_mean(str(err.get("ctx", {}).get("tag", "")), KINDS)
        parts.append(f"{loc or '(top level)'}: {err['msg']}{hint}")
    return "; ".join(parts)


def _load_derive(folder: Path) -> dict[str, Callable[..., Any]]:
    path = folder / "derive.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"grader_sheet_derive_{folder.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise SheetError(f"{path}: cannot be imported: {exc}") from exc
    return {name: fn for name, fn in vars(module).items()
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")}


def _check_references(sheet: Sheet, yaml_path: Path) -> None:
    for task, check in sheet.spec.checks():
        where = f"{yaml_path}: task {task.id}, check {check.answer}"
        named = [getattr(check, "compare_via", None), *(a.function for a in getattr(check, "alternatives", [])
                                                         if hasattr(a, "function"))]
        unknown = [f for f in named if f and f not in sheet.derive]
        if unknown:
            raise SheetError(f"{where}: {unknown[0]!r} is not a function in derive.py"
                             + did_you_mean(unknown[0], sheet.derive))
        _check_reference_args(sheet, check, where)
        for d in all_derivations(check):
            fn = sheet.derive.get(d.function)
            if fn is None:
                raise SheetError(f"{where}: derive function {d.function!r} is not in derive.py"
                                 + did_you_mean(d.function, sheet.derive))
            try:
                inspect.signature(fn).bind(*d.args)
            except TypeError as exc:
                raise SheetError(f"{where}: {d.function}({', '.join(d.args)}): {exc}") from None
    missing = [str(p) for p in sheet.data_files() if not p.is_file()]
    if missing:
        raise SheetError(f"{yaml_path}: data: missing files {missing}")


def _check_reference_args(sheet: Sheet, check: Check, where: str) -> None:
    """Derivations on the reference's answers (alternatives, model data) read names from the lock:
    each must be an answer the sheet reads. (Those on the student's answers declare their names.)"""
    known = sheet.spec.answer_names()
    student = student_derivations(check)
    for d in (d for d in all_derivations(check) if d not in student):
        for arg in d.args:
            if arg not in known:
                raise SheetError(f"{where}: {d.function}({', '.join(d.args)}): {arg!r} is not an answer "
                                 f"of the sheet{did_you_mean(arg, known)}")
