"""Write-audit-publish: atomic replacement, rollback, readers never blocked or shown half a publish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from publishing.publish import PublishError, current_publish_id, list_published, publish, rollback


def make_build(path: Path, marker: int, rows: int = 2000) -> Path:
    """A build file shaped like dbt's output: marts, reference and a staging view pointing elsewhere."""
    if path.exists():
        path.unlink()
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create schema marts; create schema reference; create schema staging; create schema serving"
        )
        con.execute(
            f"create table marts.fct_demo as select range as id, {marker} as publish_marker from range({rows})"
        )
        con.execute("comment on column marts.fct_demo.id is '编号'")
        con.execute("create table reference.plan_targets as select 'T1' as target_id")
        catalog = con.execute("select current_database()").fetchone()[0]  # as dbt-duckdb qualifies refs
        con.execute(f"create view serving.demo as select id, publish_marker from {catalog}.marts.fct_demo")
    return path


def read_serving(serving: Path) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute("select * from marts.fct_demo order by id").fetchall()


def test_publish_replaces_serving_and_keeps_views_comments_and_quality(tmp_path: Path) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    build = make_build(tmp_path / "build.duckdb", marker=1)
    quality = [{"dataset": "fct_demo", "check_name": "unique", "passed": True, "failing_rows": 0}]
    first = publish(build, serving, published, keep=3, quality=quality)
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*), min(publish_marker) from serving.demo").fetchone() == (2000, 1)
        assert con.execute(
            "select comment from duckdb_columns() where table_name = 'fct_demo' and column_name = 'id'"
        ).fetchone() == ("编号",)
        assert con.execute("select check_name, passed from quality.check_results").fetchall() == [
            ("unique", True)
        ]
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    assert "staging" not in schemas  # staging views point at the raw file: never served
    assert current_publish_id(serving, published) == first.publish_id
    assert not os.access(serving, os.W_OK) or os.geteuid() == 0  # served read-only (root ignores modes)
    assert oct(serving.stat().st_mode & 0o777) == "0o444"


def test_rollback_restores_the_previous_publish_exactly(tmp_path: Path) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    first = publish(make_build(tmp_path / "b.duckdb", marker=1), serving, published, keep=5)
    before = read_serving(serving)
    second = publish(make_build(tmp_path / "b.duckdb", marker=2, rows=10), serving, published, keep=5)
    assert read_serving(serving) != before
    assert list_published(published) == [first.publish_id, second.publish_id]
    assert rollback(serving, published) == first.publish_id
    assert read_serving(serving) == before
    assert (published / f"{first.publish_id}.duckdb").read_bytes() == serving.read_bytes()
    with pytest.raises(PublishError, match="no publish older"):
        rollback(serving, published)


def test_only_the_newest_publishes_are_kept(tmp_path: Path) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    ids = [
        publish(make_build(tmp_path / "b.duckdb", marker=i, rows=5), serving, published, keep=2).publish_id
        for i in range(4)
    ]
    assert list_published(published) == ids[-2:]


def test_an_empty_build_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError, match="no marts"):
        publish(empty, tmp_path / "planwatch.duckdb", tmp_path / "published")
    assert not (tmp_path / "planwatch.duckdb").exists()


READER = r"""
import sys, time, duckdb
serving, seconds = sys.argv[1], float(sys.argv[2])
answers, deadline = 0, time.monotonic() + seconds
while time.monotonic() < deadline:
    with duckdb.connect(serving, read_only=True) as con:
        n, markers, lo, hi = con.execute(
            "select count(*), count(distinct publish_marker), min(publish_marker), max(id) from marts.fct_demo"
        ).fetchone()
    assert markers == 1, f"answer mixes publishes: {markers} markers"
    assert n == 1000 * lo and hi == n - 1, f"publish {lo} seen incomplete: {n} rows"
    answers += 1
print(answers)
"""


def test_a_reader_in_another_process_is_never_blocked_nor_shown_half_a_publish(tmp_path: Path) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    builds = [make_build(tmp_path / f"b{i}.duckdb", marker=i, rows=1000 * i) for i in range(1, 7)]
    publish(builds[0], serving, published, keep=10)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving), "6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    for build in builds[1:]:
        publish(build, serving, published, keep=10)  # never blocked by the reader's open file
        time.sleep(0.3)
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert int(out.strip()) >= 1  # answers depend on CPU time; what matters is that none was wrong
    assert read_serving(serving)[0][1] == 6


KILLED_PUBLISH = r"""
import sys
from pathlib import Path
from publishing.publish import publish
publish(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), keep=50)
"""


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.5, 0.8, 1.2])
def test_a_publish_killed_at_any_point_leaves_a_valid_serving_file(tmp_path: Path, delay: float) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    publish(make_build(tmp_path / "old.duckdb", marker=1, rows=1000), serving, published, keep=50)
    new_build = make_build(tmp_path / "new.duckdb", marker=2, rows=200_000)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISH, str(new_build), str(serving), str(published)]
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows = read_serving(serving)
    assert {r[1] for r in rows} in ({1}, {2})
    assert len(rows) == (1000 if rows[0][1] == 1 else 200_000)
    # the next publish cleans what the killed one left behind and succeeds
    publish(make_build(tmp_path / "next.duckdb", marker=3, rows=10), serving, published, keep=50)
    assert {r[1] for r in read_serving(serving)} == {3}
    assert not list(tmp_path.glob(".planwatch.duckdb.*.tmp"))
