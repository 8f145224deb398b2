from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright drives it, no browser download
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright, one per test session."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium (.ci/install installs it)")
        pytest.skip("needs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
