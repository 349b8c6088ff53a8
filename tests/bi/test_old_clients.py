"""The published warehouse opens in the DuckDB releases analysts and BI drivers have (1.x), not only in 2.0.

Each older release reads every table and serving view, row for row as DuckDB 2.0 counts them, and answers
the README's recipe the same way; so does a partial publish (a copy of the served file with some marts
written again in it, publishing/partial.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from publishing.publish import SERVING_STORAGE_VERSION

pytestmark = pytest.mark.slow

# the oldest 1.x line BI drivers still ship, and the last 1.x long-term release
OLD_RELEASES = ["1.1.3", "1.4.5"]
README_QUERY = (
    "select status_label, count(*) from serving.target_progress "
    "where as_of_month = '2024-09-01' group by 1 order by 1"
)


def relations(serving: Path) -> dict[str, int]:
    """Every served table and view with its row count, as DuckDB 2.0 reads them."""
    with duckdb.connect(str(serving), read_only=True) as con:
        names = con.execute(
            """
            select schema_name, table_name from duckdb_tables()
            union all
            select schema_name, view_name from duckdb_views() where not internal
            """
        ).fetchall()
        return {
            f'"{s}"."{t}"': int(con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0])  # type: ignore[index]
            for s, t in names
        }


@pytest.mark.parametrize("version", OLD_RELEASES)
def test_an_older_duckdb_reads_every_table_and_view_of_the_published_file(
    serving: Path, version: str, old_duckdb: Callable[[str, Path, dict[str, str]], dict[str, Any]]
) -> None:
    expected = relations(serving)
    assert any(name.startswith('"serving"') for name in expected) and len(expected) > 20
    queries = {name: f"select count(*) from {name}" for name in expected}
    queries["readme"] = README_QUERY
    queries["comment"] = (
        "select comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'fct_target_progress' and column_name = 'time_gap_pp'"
    )
    got = old_duckdb(version, serving, queries)
    assert got["version"] == version
    answers = got["answers"]
    assert {name: answers[name][0][0] for name in expected} == expected
    with duckdb.connect(str(serving), read_only=True) as con:
        assert [list(r) for r in con.execute(README_QUERY).fetchall()] == answers["readme"]
    assert answers["comment"][0][0].startswith("超(+)/落后(-)序时进度")  # Chinese column names survive


def test_the_file_is_written_in_the_storage_format_1x_readers_need(serving: Path) -> None:
    with duckdb.connect(str(serving), read_only=True) as con:
        tags = con.execute("select tags from duckdb_databases() where database_name = 'planwatch'").fetchone()
    assert tags is not None and tags[0]["storage_version"] == f"{SERVING_STORAGE_VERSION}+"


@pytest.fixture(scope="module")
def partly_published(serving: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample build published in full, then again as a night of new statistics publishes it."""
    from publishing.publish import publish

    root = tmp_path_factory.mktemp("partial")
    build = serving.parent / "build.duckdb"
    first = publish(build, root / "planwatch.duckdb", root / "published")
    rebuilt = ["fct_indicator_values", "fct_indicator_value_history", "fct_target_progress"]
    done = publish(
        build, root / "planwatch.duckdb", root / "published", changed=rebuilt, base=first.publish_id
    )
    assert done.base == first.publish_id and "marts.dim_targets" in done.kept
    return done.path


@pytest.mark.parametrize("version", OLD_RELEASES)
def test_an_older_duckdb_reads_a_partial_publish_as_it_reads_a_full_one(
    serving: Path,
    partly_published: Path,
    version: str,
    old_duckdb: Callable[[str, Path, dict[str, str]], dict[str, Any]],
) -> None:
    expected = relations(serving)
    assert relations(partly_published) == expected
    got = old_duckdb(version, partly_published, {name: f"select count(*) from {name}" for name in expected})
    assert {name: got["answers"][name][0][0] for name in expected} == expected
