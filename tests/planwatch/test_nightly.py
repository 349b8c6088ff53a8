"""The nightly steps' own rules: which month a night is about, and never turning the clock back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.settings import load_settings
from planwatch.nightly import resolve_as_of
from publishing.publish import PublishError, publish, refuse_older_build


@pytest.mark.parametrize(
    ("logical", "expected"),
    [
        (datetime(2024, 9, 30, 18, 0, tzinfo=UTC), "2024-09"),  # 02:00 on 1 October in Asia/Shanghai
        (datetime(2024, 10, 1, 15, 59, tzinfo=UTC), "2024-09"),  # 23:59 on 1 October
        (datetime(2024, 10, 31, 16, 0, tzinfo=UTC), "2024-10"),  # 00:00 on 1 November
        (datetime(2024, 12, 31, 18, 0, tzinfo=UTC), "2024-12"),  # 02:00 on 1 January: December's figures
    ],
)
def test_a_night_is_about_the_month_before_it_in_the_districts_time(logical: datetime, expected: str) -> None:
    assert resolve_as_of(None, logical, load_settings()) == expected


def test_an_explicit_as_of_wins_and_is_checked() -> None:
    assert resolve_as_of("2024-06", datetime(2024, 10, 1, tzinfo=UTC), load_settings()) == "2024-06"
    with pytest.raises(ValueError, match="YYYY-MM"):
        resolve_as_of("2024-6", None, load_settings())


def _build(path: Path, last_month: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_target_progress as "
            f"select make_date(2024, m, 1) as as_of_month from range(1, {last_month + 1}) t(m)"
        )
    return path


def test_an_older_build_does_not_replace_a_newer_warehouse(tmp_path: Path) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    publish(_build(tmp_path / "new.duckdb", 9), serving, published)
    older = _build(tmp_path / "old.duckdb", 8)
    with pytest.raises(PublishError, match="as of 2024-08 but the serving warehouse is as of 2024-09"):
        refuse_older_build(older, serving)
    refuse_older_build(_build(tmp_path / "same.duckdb", 9), serving)  # a rerun of the same night is fine
