"""Exports after a publish: a failure is reported with its reason, never as done, and what killed runs left
behind is cleaned by the next publish."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from publishing.exports import ExportResult, export_all
from publishing.publish import current_publish_id, publish, rollback
from tests.publishing.test_publish import make_build


def test_a_failed_export_is_returned_with_its_reason_and_the_others_still_run(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    serving, published = warehouse / "planwatch.duckdb", warehouse / "published"
    done = publish(make_build(tmp_path / "b.duckdb", marker=1, rows=10), serving, published)
    (warehouse / "parquet").write_text("not a folder")  # the Parquet folder cannot be made
    results = {r.name: r for r in export_all(serving, warehouse, done.publish_id)}
    assert set(results) == {"parquet", "sdmx"}
    assert not results["parquet"].ok and results["parquet"].path is None
    assert "parquet" in (results["parquet"].error or "")
    # this build has no indicator mart: SDMX fails too, on its own, with a reason a person can act on
    assert not results["sdmx"].ok and "fct_indicator_values" in (results["sdmx"].error or "")
    assert results["sdmx"].describe().startswith("sdmx export failed: ")
    assert current_publish_id(serving, published) == done.publish_id  # the publish itself stands


def test_parquet_of_each_publish_behind_a_stable_current_link(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    serving, published = warehouse / "planwatch.duckdb", warehouse / "published"
    ids = []
    for marker in (1, 2):
        done = publish(make_build(tmp_path / "b.duckdb", marker=marker, rows=10), serving, published)
        parquet = export_all(serving, warehouse, done.publish_id)[0]
        assert parquet == ExportResult("parquet", warehouse / "parquet" / "current")
        ids.append(done.publish_id)
    current = warehouse / "parquet" / "current"
    assert os.readlink(current) == ids[-1] and not (warehouse / "parquet" / ids[0]).exists()
    with duckdb.connect() as con:
        marker = con.execute(f"select min(publish_marker) from '{current / 'fct_demo.parquet'}'").fetchone()
    assert marker == (2,)


def test_the_next_publish_cleans_what_killed_runs_left(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    serving, published = warehouse / "planwatch.duckdb", warehouse / "published"
    first = publish(make_build(tmp_path / "b.duckdb", marker=1, rows=10), serving, published)
    export_all(serving, warehouse, first.publish_id)
    leftovers = [
        warehouse / ".planwatch.duckdb.20260101T000000000000Z.tmp",
        warehouse / ".planwatch.duckdb.20260101T000000000000Z.tmp.wal",
        warehouse / ".planwatch.duckdb.rollback.tmp",
        warehouse / "parquet" / ".20260101T000000000000Z.tmp" / "fct_demo.parquet",
        warehouse / "sdmx" / ".20260101T000000000000Z.tmp" / "planwatch_indicators.csv",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half written")
    (warehouse / "parquet" / ".current.tmp").symlink_to("nowhere")
    kept = warehouse / ".someone_elses.tmp"  # not publishing's: left alone
    kept.write_text("x")
    second = publish(make_build(tmp_path / "b.duckdb", marker=2, rows=10), serving, published)
    export_all(serving, warehouse, second.publish_id)
    left = [p for p in leftovers if p.exists() or p.parent.exists() and p.parent.name.endswith(".tmp")]
    assert left == [] and not (warehouse / "parquet" / ".current.tmp").is_symlink()
    assert kept.exists()
    assert rollback(serving, published) == first.publish_id  # the kept publishes are untouched
