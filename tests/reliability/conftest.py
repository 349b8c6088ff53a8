"""One night made once per session, that the reliability tests copy: loaded, built, validated, published
as of BASE_AS_OF by tests/reliability/night.py (the DAG's steps without Airflow), in this process: a fresh
interpreter cost about 6 s of CPU importing dbt, Great Expectations and the steps, which the kill loop
imports here anyway for the steps it runs itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_steps
from tests.reliability.killing import BASE_AS_OF, Home, copy_home, new_home


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = new_home(tmp_path_factory.mktemp("published_home"))
    base = run_steps(home, "base", BASE_AS_OF)
    assert base.returncode == 0, base.output[-3000:]
    return home


@pytest.fixture
def home(published_home: Home, tmp_path: Path) -> Home:
    """A private copy of the published home, for one test to change."""
    return copy_home(published_home, tmp_path / "copy")
