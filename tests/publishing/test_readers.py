"""Readers that stay open across publishes: each new query after a publish (or rollback) sees it.

The traps (issue 14): in one process, a second `duckdb.connect(path)` reuses the database already open for
that path, and a pooled SQLAlchemy engine keeps its connections; both keep reading the replaced file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text

import publishing  # noqa: F401  (registers duckdb+planwatch)
from publishing.publish import publish, rollback
from publishing.readers import FileIdentity, is_stale, open_serving
from tests.publishing.test_publish import make_build

MARKER = "select min(publish_marker) from marts.fct_demo"


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Path]:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    publish(make_build(tmp_path / "b1.duckdb", marker=1, rows=10), serving, published)
    return serving, published


def republish(serving: Path, published: Path, marker: int) -> None:
    publish(make_build(serving.parent / f"b{marker}.duckdb", marker=marker, rows=10), serving, published)


def test_in_process_duckdb_readers_see_the_new_publish_while_an_old_connection_is_open(
    served: tuple[Path, Path],
) -> None:
    serving, published = served
    first = open_serving(serving)
    assert first.execute(MARKER).fetchone() == (1,)
    republish(serving, published, 2)
    second = open_serving(serving)
    assert second.execute(MARKER).fetchone() == (2,)
    assert first.execute(MARKER).fetchone() == (1,)  # an open connection keeps its consistent copy
    assert second.execute("select current_database()").fetchone() == ("planwatch",)
    assert second.execute("select count(*) from serving.demo").fetchone() == (10,)  # views resolve
    with pytest.raises(duckdb.Error, match="read-only|read only"):
        second.execute("create table marts.scratch as select 1")
    first.close()
    second.close()


def test_the_trap_a_second_plain_connect_in_the_same_process_reads_the_replaced_file(
    served: tuple[Path, Path],
) -> None:
    """Why the reader pattern exists; if DuckDB stops caching by path, README's warning can go."""
    serving, published = served
    held = duckdb.connect(str(serving), read_only=True)
    republish(serving, published, 2)
    again = duckdb.connect(str(serving), read_only=True)
    assert again.execute(MARKER).fetchone() == (1,)
    again.close()
    held.close()


def test_a_pooled_engine_reopens_after_each_publish_and_rollback(served: tuple[Path, Path]) -> None:
    serving, published = served
    engine = create_engine(f"duckdb+planwatch:///{serving}", pool_size=2)
    with engine.connect() as a, engine.connect() as b:  # two pooled connections, both on publish 1
        assert a.execute(text(MARKER)).scalar() == 1 and b.execute(text(MARKER)).scalar() == 1
    republish(serving, published, 2)
    with engine.connect() as c:
        assert c.execute(text(MARKER)).scalar() == 2
    with engine.connect() as a, engine.connect() as b:
        assert a.execute(text(MARKER)).scalar() == 2 and b.execute(text(MARKER)).scalar() == 2
    rollback(serving, published)
    with engine.connect() as c:
        assert c.execute(text(MARKER)).scalar() == 1
    engine.dispose()


def test_the_trap_the_readme_recipe_of_before_kept_the_old_publish(served: tuple[Path, Path]) -> None:
    serving, published = served
    engine = create_engine(f"duckdb:///{serving}", connect_args={"read_only": True})
    with engine.connect() as conn:
        assert conn.execute(text(MARKER)).scalar() == 1
    republish(serving, published, 2)
    with engine.connect() as conn:
        assert conn.execute(text(MARKER)).scalar() == 1  # pooled connection: still the replaced file
    engine.dispose()


def test_staleness_follows_the_file_not_its_name(served: tuple[Path, Path]) -> None:
    serving, published = served
    opened = FileIdentity.of(serving)
    assert not is_stale(serving, opened)
    republish(serving, published, 2)
    assert is_stale(serving, opened)
    assert is_stale(serving.parent / "missing.duckdb", opened)
