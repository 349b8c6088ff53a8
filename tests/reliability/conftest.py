"""One night made once per session, that the reliability tests copy: loaded, built, validated, published
as of BASE_AS_OF by tests/reliability/night.py (the DAG's steps without Airflow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.killing import BASE_AS_OF, Home, copy_home, new_home, night


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = new_home(tmp_path_factory.mktemp("published_home"))
    done = night(home, "base", "--as-of", BASE_AS_OF)
    assert done.returncode == 0, done.stderr[-3000:]
    return home


@pytest.fixture
def home(published_home: Home, tmp_path: Path) -> Home:
    """A private copy of the published home, for one test to change."""
    return copy_home(published_home, tmp_path / "copy")
