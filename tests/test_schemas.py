"""docs/*.schema.json are the published schemas; they must match the models."""

import json
from pathlib import Path

import pytest

from grader.report import ScoreReport
from grader.sheet.spec import SheetSpec

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize(("name", "model"), [("sheet", SheetSpec), ("report", ScoreReport)])
def test_published_schema_is_current(name, model):
    published = json.loads((DOCS / f"{name}.schema.json").read_text())
    assert published == model.model_json_schema(), (
        f"docs/{name}.schema.json is out of date: grader schema {name} > docs/{name}.schema.json")
