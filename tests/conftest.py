"""Shared fixtures: paths, the frozen as-of date, and the ``--update-golden`` switch."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
EXAMPLE = ROOT / "configs" / "example.yaml"
#: The example corpus covers the week ending on this day.
AS_OF = dt.date(2025, 2, 14)


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``briefgen`` as a user would: a real process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "briefgen.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
        timeout=600,
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    return SEEDS


@pytest.fixture(scope="session")
def nlp():
    from briefgen.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session", autouse=True)
def _private_analysis_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Commands the tests run keep their analysis cache in a temporary directory, not the user's."""
    os.environ["BRIEFGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("analysis-cache"))
