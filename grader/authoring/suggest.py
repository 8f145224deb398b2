"""'Did you mean …?' for names course staff mistype in a sheet (keys, kinds, answers, functions)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when ``word`` is close to one of ``options``, else ``""``."""
    close = difflib.get_close_matches(word, sorted(set(options)), n=2, cutoff=0.6)
    if not close:
        return ""
    # a second option only when about as close as the first ('tolerence': not 'reference' too)
    best = difflib.SequenceMatcher(None, word, close[0]).ratio()
    close = [c for c in close if difflib.SequenceMatcher(None, word, c).ratio() >= best - 0.1]
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)"


def fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names of the model found at ``loc`` (a pydantic error location) under ``model``,
    or [] when the location leads elsewhere. Union tags in ``loc`` pick the member of that kind."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue  # a list index: the item type is already the candidate
        if get_origin(current) is dict:
            current = get_args(current)[1]  # a key of a mapping (an optimizer's name): its value
            continue
        members = _models(current)
        tagged = [m for m in members if "kind" in m.model_fields and m.model_fields["kind"].default == part]
        if len(members) > 1 and tagged:
            current = tagged[0]
            continue
        owner = next((m for m in members if part in m.model_fields), None)
        if owner is None:
            return []
        current = owner.model_fields[part].annotation
    members = _models(current)
    return list(members[0].model_fields) if len(members) == 1 else []


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Optional, unions, lists, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models(arg)]
