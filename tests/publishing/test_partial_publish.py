"""A night of new data publishes what changed: the serving file starts as a copy of the one served, only
the tables dbt rebuilt are written again, and exports of the tables kept are linked from the publish
before. What readers get must be what a full publish of the same build gives, table for table."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from publishing.exports import Reuse, export_all
from publishing.partial import MAX_FREE_FRACTION
from publishing.publish import (
    SERVING_STORAGE_VERSION,
    current_publish_id,
    list_published,
    publish,
)

QUALITY = [{"dataset": "fct_indicator_values", "check_name": "not_null", "passed": True, "failing_rows": 0}]
UNCHANGED = {"marts.dim_regions", "marts.fct_target_progress", "reference.plan_targets"}


def write_build(path: Path, night: int, rows: int = 3000, regions: int = 3) -> Path:
    """A build shaped like dbt's: marts (one of them the indicator figures SDMX exports), a seed in
    reference, serving views over the marts and comments. Night by night only the figures of
    fct_indicator_values change (as many rows, other values: only what dbt says it rebuilt tells), unless
    `regions` says the regions changed too."""
    if path.exists():
        path.unlink()
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "reference", "staging", "serving"):
            con.execute(f"create schema {schema}")
        con.execute(
            f"""
            create table marts.fct_indicator_values as
            select 'fai_total' as indicator_code, 'r' || (range % {regions}) as region_code,
                2015 + range // 12 % 10 as period_year, 1 as period_start_month,
                range % 12 + 1 as period_end_month, 'ytd_value' as measure,
                (range * {night}) / 7.0 as value, (range * {night}) / 7.0 as value_published,
                'yuan' as unit, 100000000.0 as unit_multiplier, false as is_derived, {night} as night
            from range({rows})
            """
        )
        con.execute(
            f"create table marts.dim_regions as select 'r' || range as region_code from range({regions})"
        )
        con.execute(
            "create table marts.fct_target_progress as select 'T' || range as target_id from range(50)"
        )
        con.execute("create table reference.plan_targets as select 'T1' as target_id, 3.5 as target_value")
        con.execute("comment on column marts.fct_indicator_values.value is '数值'")
        con.execute("comment on table marts.dim_regions is '地区'")
        con.execute("create view staging.stg as select 1 as x")
        con.execute(
            "create view serving.indicator_values as select v.*, r.region_code as region "
            "from marts.fct_indicator_values v join marts.dim_regions r using (region_code)"
        )
        con.execute("create view serving.targets as select * from marts.fct_target_progress")
        con.execute("comment on view serving.targets is '目标'")
        con.execute("comment on column serving.targets.target_id is '目标编号'")
    return path


def contents(serving: Path) -> dict[str, object]:
    """Everything a reader of the serving file can see: each table's and view's rows (sorted), columns
    with types and comments, relation comments, view SQL and the storage version."""
    with duckdb.connect(str(serving), read_only=True) as con:
        relations = con.execute(
            """
            select schema_name, table_name, 'table', comment from duckdb_tables()
            union all select schema_name, view_name, 'view', comment from duckdb_views() where not internal
            order by all
            """
        ).fetchall()
        seen: dict[str, object] = {"relations": relations}
        for schema, name, _, _ in relations:
            seen[f"{schema}.{name}"] = sorted(
                con.execute(f'select * from "{schema}"."{name}"').fetchall(), key=repr
            )
        seen["columns"] = con.execute(
            "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
            "where database_name = current_database() order by all"
        ).fetchall()
        seen["views"] = con.execute(
            "select schema_name, view_name, sql from duckdb_views() where not internal order by all"
        ).fetchall()
        seen["storage"] = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchall()
    return seen


def free_fraction(serving: Path) -> float:
    with duckdb.connect(str(serving), read_only=True) as con:
        total, free = con.execute(
            "select total_blocks, free_blocks from pragma_database_size() "
            "where database_name = current_database()"
        ).fetchone()  # type: ignore[misc]
    return free / total


def test_a_partial_publish_serves_exactly_what_a_full_publish_of_the_same_build_serves(
    tmp_path: Path,
) -> None:
    serving, published = tmp_path / "w" / "planwatch.duckdb", tmp_path / "w" / "published"
    build = tmp_path / "build.duckdb"
    served = publish(write_build(build, night=1), serving, published, keep=10, quality=QUALITY)
    before = contents(serving)
    archived = (published / f"{served.publish_id}.duckdb").read_bytes()
    sizes = []
    for night in range(2, 7):  # a week of nights: the copy must neither drift nor grow
        write_build(build, night=night)
        done = publish(build, serving, published, keep=10, quality=QUALITY, changed=["fct_indicator_values"],
                       base=served.publish_id)  # fmt: skip
        assert done.base == served.publish_id and done.kept == UNCHANGED
        full = publish(build, tmp_path / "full" / "planwatch.duckdb", tmp_path / "full" / "published",
                       quality=QUALITY)  # fmt: skip
        assert full.base is None and full.kept == frozenset()
        assert contents(serving) == contents(full.path)
        sizes.append(serving.stat().st_size)
        assert serving.stat().st_size <= full.path.stat().st_size * 1.1
        assert free_fraction(serving) <= MAX_FREE_FRACTION
        served = done
    assert contents(serving)["storage"] == [(f"{SERVING_STORAGE_VERSION}+",)]
    assert contents(serving) != before
    assert len(set(sizes)) == 1, sizes  # the figures' new blocks take the old ones' place
    # the first publish was never touched: rollback still has it, byte for byte
    assert (published / f"{list_published(published)[0]}.duckdb").read_bytes() == archived


def test_a_table_dbt_did_not_name_is_replaced_anyway_when_the_build_holds_it_otherwise(
    tmp_path: Path,
) -> None:
    """The run record says what dbt rebuilt; a kept table must still have the build's columns and rows."""
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    first = publish(write_build(tmp_path / "b.duckdb", night=1), serving, published)
    build = write_build(tmp_path / "b.duckdb", night=2, regions=4)
    done = publish(build, serving, published, changed=["fct_indicator_values"], base=first.publish_id)
    assert done.base == first.publish_id and "marts.dim_regions" not in done.kept
    full = publish(build, tmp_path / "full.duckdb", tmp_path / "full")
    assert contents(serving) == contents(full.path)


def test_a_publish_not_based_on_the_file_served_is_made_in_full(tmp_path: Path) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    first = publish(write_build(tmp_path / "b.duckdb", night=1), serving, published)
    second = publish(write_build(tmp_path / "b.duckdb", night=2), serving, published)
    # the night was planned against the first publish, but the second one is served now
    third = publish(write_build(tmp_path / "b.duckdb", night=3), serving, published,
                    changed=["fct_indicator_values"], base=first.publish_id)  # fmt: skip
    assert third.base is None and third.kept == frozenset()
    assert current_publish_id(serving, published) == third.publish_id != second.publish_id


def test_a_served_file_with_many_free_blocks_is_not_copied_but_published_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    first = publish(write_build(tmp_path / "b.duckdb", night=1), serving, published)
    monkeypatch.setattr("publishing.partial.MAX_FREE_FRACTION", -1.0)  # any file is too sparse
    build = write_build(tmp_path / "b.duckdb", night=2)
    done = publish(build, serving, published, changed=["fct_indicator_values"], base=first.publish_id)
    assert done.base is None and done.kept == frozenset()
    assert contents(serving) == contents(publish(build, tmp_path / "full.duckdb", tmp_path / "full").path)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".planwatch.duckdb.")]


def test_a_partial_publish_that_fails_leaves_the_serving_file_and_published_as_they_were(
    tmp_path: Path,
) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    build = write_build(tmp_path / "b.duckdb", night=1)
    first = publish(build, serving, published)
    before, files = contents(serving), sorted(p.name for p in tmp_path.iterdir())
    write_build(build, night=2)
    broken = [{"dataset": "fct_indicator_values", "check_name": "not_null", "failing_rows": "many"}]
    with pytest.raises(duckdb.ConversionException):  # the quality table is written after the tables
        publish(
            build, serving, published, quality=broken, changed=["fct_indicator_values"], base=first.publish_id
        )
    assert contents(serving) == before and current_publish_id(serving, published) == first.publish_id
    assert list_published(published) == [first.publish_id]
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # no staged copy left beside it


KILLED = r"""
import sys
from pathlib import Path
from publishing.publish import publish
publish(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), keep=50, changed=["fct_indicator_values"],
        base=sys.argv[4])
print("published", flush=True)
"""


@pytest.mark.parametrize("delay", [0.1, 0.4, 0.8])
def test_a_partial_publish_killed_at_any_point_leaves_the_old_file_or_the_new(
    tmp_path: Path, delay: float
) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    first = publish(write_build(tmp_path / "old.duckdb", night=1), serving, published, keep=50)
    old = contents(serving)
    build = write_build(tmp_path / "new.duckdb", night=2, rows=400_000)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(build), str(serving), str(published), first.publish_id],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    now = contents(serving)
    if now != old:  # the kill came after the rename: the new publish is whole
        assert now == contents(publish(build, tmp_path / "full.duckdb", tmp_path / "full").path)
    assert (published / f"{first.publish_id}.duckdb").exists()
    again = publish(build, serving, published, keep=50, changed=["fct_indicator_values"],
                    base=current_publish_id(serving, published))  # fmt: skip
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".planwatch.duckdb.")]
    assert again.publish_id in list_published(published)


def _inode(path: Path) -> int:
    return path.stat().st_ino


def test_exports_of_the_tables_kept_are_linked_and_the_others_written(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    serving, published = warehouse / "planwatch.duckdb", warehouse / "published"
    build = write_build(tmp_path / "b.duckdb", night=1)
    first = publish(build, serving, published, quality=QUALITY)
    assert all(r.ok and r.reused == () for r in export_all(serving, warehouse, first.publish_id))
    old = {p.name: _inode(p) for p in (warehouse / "parquet" / first.publish_id).iterdir()}
    old_sdmx = _inode(warehouse / "sdmx" / first.publish_id / "planwatch_indicators.csv")

    write_build(build, night=2)  # the figures changed: their Parquet and the SDMX message are written
    second = publish(build, serving, published, quality=QUALITY, changed=["fct_indicator_values"],
                     base=first.publish_id)  # fmt: skip
    results = {
        r.name: r for r in export_all(serving, warehouse, second.publish_id, Reuse(second.base, second.kept))
    }
    assert results["parquet"].ok and results["sdmx"].ok
    assert sorted(results["parquet"].reused) == [
        "parquet/dim_regions.parquet",
        "parquet/fct_target_progress.parquet",
    ]
    assert results["sdmx"].reused == ()
    folder = warehouse / "parquet" / "current"
    new = {p.name: _inode(p) for p in folder.iterdir()}
    assert set(new) == set(old)
    linked = {name for name in new if new[name] == old[name]}
    assert linked == {"dim_regions.parquet", "fct_target_progress.parquet"}  # never the quality table
    assert _inode(warehouse / "sdmx" / "current" / "planwatch_indicators.csv") != old_sdmx
    assert not (warehouse / "parquet" / first.publish_id).exists()  # the old folder went, its links stay
    # each file holds what a full export of the same serving file holds
    full = tmp_path / "full"
    export_all(serving, full, "full")
    with duckdb.connect() as con:
        for name in new:
            a, b = folder / name, full / "parquet" / "current" / name
            assert con.execute(
                f"select count(*) from ((from '{a}' except all from '{b}') "
                f"union all (from '{b}' except all from '{a}'))"
            ).fetchone() == (0,), name
    sdmx = warehouse / "sdmx" / "current" / "planwatch_indicators.csv"
    assert sdmx.read_bytes() == (full / "sdmx" / "current" / "planwatch_indicators.csv").read_bytes()

    # a night that changed only the targets: the SDMX message is linked too
    second_sdmx = _inode(sdmx)
    with duckdb.connect(str(build)) as con:
        con.execute(
            "create or replace table marts.fct_target_progress as "
            "select 'T' || range as target_id from range(60)"
        )
    third = publish(build, serving, published, changed=["fct_target_progress"], base=second.publish_id)
    results = {
        r.name: r for r in export_all(serving, warehouse, third.publish_id, Reuse(third.base, third.kept))
    }
    assert results["sdmx"].reused == ("sdmx/planwatch_indicators.csv",)
    assert "parquet/fct_target_progress.parquet" not in results["parquet"].reused
    assert _inode(warehouse / "sdmx" / "current" / "planwatch_indicators.csv") == second_sdmx


def test_exports_are_written_when_the_base_publish_has_no_folder_left(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    serving, published = warehouse / "planwatch.duckdb", warehouse / "published"
    build = write_build(tmp_path / "b.duckdb", night=1)
    first = publish(build, serving, published)  # its exports failed or were never made
    second = publish(write_build(build, night=2), serving, published, changed=["fct_indicator_values"],
                     base=first.publish_id)  # fmt: skip
    results = export_all(serving, warehouse, second.publish_id, Reuse(second.base, second.kept))
    assert all(r.ok and r.reused == () for r in results)
    assert (warehouse / "parquet" / "current" / "dim_regions.parquet").is_file()
