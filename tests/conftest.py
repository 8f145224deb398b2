from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.sheet import SHEETS_ROOT

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current reports instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def sheet_copy(tmp_path: Path):
    """Copy a sheet folder (and its reference) into tmp_path so a test may change it."""
    def _copy(sheet_id: str) -> Path:
        dest = tmp_path / "sheets" / sheet_id
        shutil.copytree(SHEETS_ROOT / sheet_id, dest)
        shutil.copytree(REPO / "reference" / sheet_id, tmp_path / "reference" / sheet_id)
        return dest
    return _copy
