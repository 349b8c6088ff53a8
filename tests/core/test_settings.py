"""Settings from the environment: the defaults the README and docker/README.md state, and bad values."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.errors import ConfigError
from core.settings import duckdb_limits, load_settings


def test_the_last_five_publishes_are_kept_unless_the_deployment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PLANWATCH_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("PLANWATCH_KEEP_PUBLISHED", raising=False)
    assert load_settings().keep_published == 5  # README: "The last 5 publishes are kept"
    monkeypatch.setenv("PLANWATCH_KEEP_PUBLISHED", "12")
    assert load_settings().keep_published == 12


def test_state_lives_where_the_deployment_puts_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLANWATCH_STATE_DIR", str(tmp_path / "state"))
    settings = load_settings()
    assert settings.serving_db.is_relative_to(tmp_path / "state")
    assert settings.raw_db.is_relative_to(tmp_path / "state")


@pytest.mark.parametrize(
    ("setting", "share", "same_as"),
    [("2.5GB", 0.5, "1250MB"), ("3GiB", 0.5, "1536MiB"), ("500 MB", 0.25, "125MB"), ("1GB", 1.0, "1GB")],
)
def test_a_share_of_the_memory_setting_is_that_share_of_what_duckdb_reads_it_as(
    monkeypatch: pytest.MonkeyPatch, setting: str, share: float, same_as: str
) -> None:
    """Validation's DuckDB takes half of PLANWATCH_DUCKDB_MEMORY (its DataFrames take the rest): half of the
    bytes DuckDB itself reads the setting as (GB in powers of 1000, GiB of 1024)."""
    monkeypatch.setenv("PLANWATCH_DUCKDB_MEMORY", setting)
    limit = "select current_setting('memory_limit')"
    with (
        duckdb.connect(config={"memory_limit": same_as}) as expected,
        duckdb.connect(config=duckdb_limits(share=share)) as part,
    ):
        assert part.execute(limit).fetchall() == expected.execute(limit).fetchall()


def test_a_memory_setting_that_is_not_a_size_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANWATCH_DUCKDB_MEMORY", "lots")
    with pytest.raises(ConfigError, match="PLANWATCH_DUCKDB_MEMORY: 'lots' is not a size"):
        duckdb_limits(share=0.5)
    assert duckdb_limits() == {"memory_limit": "lots"}  # all of it: DuckDB reads the setting itself
