"""Write-audit-publish: only a build that passed validation becomes the serving warehouse.

The serving file is a new DuckDB file holding the marts and reference tables (not the staging views,
which point at the raw file), written beside the serving path and moved into place with os.replace, an
atomic rename: a reader that already has the old file open keeps reading the old inode, a new reader opens
the new file, and nobody ever sees half a file. Each publish is also kept (hard link) under published/
for rollback; the newest N are kept.

A night of new data alone (planwatch.incremental) publishes what changed: the new file starts as a copy
of the publish being served, with only the tables dbt rebuilt written again (publishing/partial.py);
the same fsync, archive and atomic rename follow.

The file is written in an older DuckDB storage format (SERVING_STORAGE_VERSION) so that the DuckDB CLIs
and BI drivers analysts already have (DuckDB 1.0 and later) open it; the build and raw files stay in the
current format, since only planwatch reads them. publishing/README.md lists the client versions tested.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from core.errors import DataError
from core.faults import checkpoint
from core.settings import duckdb_limits
from publishing.build_marker import ExpectedBuild, check_marker, read_marker
from publishing.exports import clean_stale
from publishing.exports import export_parquet as export_parquet  # moved there; importable here as before

log = logging.getLogger(__name__)

SERVED_SCHEMAS = ("marts", "reference", "config")
# DuckDB 2.0 writes files that DuckDB 1.x cannot open. v1.0.0 is the oldest storage format DuckDB 2.0 still
# writes and the one every 1.x release reads (tests/bi/test_old_clients.py opens it with 1.1 and 1.4).
SERVING_STORAGE_VERSION = "v1.0.0"
SERVING_CATALOG = "planwatch"  # the serving file's stem, so names qualified with it resolve the same
VIEW_SCHEMAS = ("serving",)  # stable, human-named views for BI tools over the tables above


def _portable_view(sql: str, schema: str, view: str, build_catalog: str) -> str:
    """A serving view's SQL as dbt wrote it. The serving models name their tables without the build
    file's catalog (dbt_project/macros/served_ref.sql), so the same SQL reads the tables beside it in
    the serving file; a view that names the build catalog would read the build file, and is refused."""
    if re.search(rf'(^|[\s(,])"?{re.escape(build_catalog)}"?\.', sql):
        raise PublishError(
            f"view {schema}.{view} names the build catalog {build_catalog!r}: a serving model must refer to "
            "marts with served_ref(), not ref()"
        )
    return sql


def _literal(text: object) -> str:
    """A SQL string literal (COMMENT ON takes no parameters)."""
    return "'" + str(text).replace("'", "''") + "'"


_PUBLISH_ID = re.compile(r"^\d{8}T\d{6}\d{6}Z$")


@dataclass(frozen=True)
class Published:
    publish_id: str
    path: Path
    # a partial publish: the publish its file was copied from, and the served tables kept from it as
    # they were (schema.table); a full publish: None and nothing kept
    base: str | None = None
    kept: frozenset[str] = field(default_factory=frozenset)


class PublishError(DataError):
    """Nothing was published (or rolled back): the serving warehouse is left as it was."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _views_and_comments(con: duckdb.DuckDBPyConnection) -> tuple[list[Any], list[Any], list[Any]]:
    """From the attached build: the serving views' SQL, the column comments (Chinese display names) and
    the table and view descriptions of everything served."""
    views = con.execute(
        """
        select schema_name, view_name, sql from duckdb_views()
        where database_name = 'build' and schema_name in (select unnest(?)) and not internal
        order by all
        """,
        [list(VIEW_SCHEMAS)],
    ).fetchall()
    columns = con.execute(
        """
        select schema_name, table_name, column_name, comment from duckdb_columns()
        where database_name = 'build' and comment is not null
          and schema_name in (select unnest(?))
        """,
        [list(SERVED_SCHEMAS + VIEW_SCHEMAS)],
    ).fetchall()
    relations = con.execute(
        """
        select schema_name, table_name, 'table', comment from duckdb_tables()
        where database_name = 'build' and comment is not null and schema_name in (select unnest(?))
        union all
        select schema_name, view_name, 'view', comment from duckdb_views()
        where database_name = 'build' and comment is not null and schema_name in (select unnest(?))
        """,
        [list(SERVED_SCHEMAS), list(VIEW_SCHEMAS)],
    ).fetchall()
    return views, columns, relations


def spill_folder(target: Path) -> Path:
    """Where a publish's in-memory connection spills past its memory limit: beside the file it writes."""
    return target.with_name(f"{target.name}.tmp")


def write_serving_copy(
    build_db: Path, target: Path, quality: list[dict] | None = None, expect: ExpectedBuild | None = None
) -> None:
    """Copy the served schemas of the build into a fresh DuckDB file (compact, no staging views), with
    the serving views re-pointed at the local tables and the night's quality results beside them. With
    `expect`, the build's marker must say it is that run's finished build, read in the same read-only
    attach the copy is made from (publishing/build_marker.py)."""
    if target.exists():
        target.unlink()
    con = duckdb.connect(config=duckdb_limits(spill_folder(target)))
    try:
        tables = attach_build(con, build_db, expect)
        con.execute(f"attach '{target}' as {SERVING_CATALOG} (storage_version '{SERVING_STORAGE_VERSION}')")
        con.execute(f"use {SERVING_CATALOG}")
        copy_tables(con, tables)
        finish_serving_file(con, build_db, quality)
    finally:
        con.close()
    with target.open("rb") as fh:
        os.fsync(fh.fileno())


def copy_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[tuple[str, str]]) -> None:
    """Copy (schema, table)s from the attached build into the serving catalog in use."""
    for schema, table in tables:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(f'create table "{schema}"."{table}" as select * from build."{schema}"."{table}"')


def attach_build(
    con: duckdb.DuckDBPyConnection, build_db: Path, expect: ExpectedBuild | None
) -> list[tuple[str, str]]:
    """Attach the build read-only as `build` and return its served tables. With `expect`, its marker must
    say it is that run's finished build, read in the same attach the copy is made from; a build without
    marts is refused."""
    con.execute(f"attach '{build_db}' as build (read_only)")
    if expect is not None:
        check_marker(read_marker(con, "build"), build_db, expect.run_id, expect.as_of)
    tables = served_tables(con, "build")
    if not any(schema == "marts" for schema, _ in tables):
        raise PublishError(f"{build_db} has no marts: refusing to publish an empty warehouse")
    return tables


def served_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """The tables of the served schemas in an attached database, (schema, table) in order."""
    rows = con.execute(
        """
        select schema_name, table_name from duckdb_tables()
        where database_name = ? and schema_name in (select unnest(?))
        order by all
        """,
        [catalog, list(SERVED_SCHEMAS)],
    ).fetchall()
    return [(schema, table) for schema, table in rows]


def finish_serving_file(con: duckdb.DuckDBPyConnection, build_db: Path, quality: list[dict] | None) -> None:
    """The serving file's views, comments and quality table, from the build attached as `build` (which
    this detaches), then a checkpoint and detach of the serving file: the end of every publish."""
    views, comments, relation_comments = _views_and_comments(con)
    con.execute("detach build")
    for schema, view, sql in views:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(_portable_view(sql, schema, view, build_db.stem))
    for schema, table, column, comment in comments:
        con.execute(f'comment on column "{schema}"."{table}"."{column}" is {_literal(comment)}')
    for schema, name, kind, comment in relation_comments:  # what BI tools show as a dataset's description
        con.execute(f'comment on {kind} "{schema}"."{name}" is {_literal(comment)}')
    write_quality_table(con, quality or [])
    con.execute(f"checkpoint {SERVING_CATALOG}")
    con.execute("use memory")
    con.execute(f"detach {SERVING_CATALOG}")


QUALITY_COLUMNS = {
    "dataset": "varchar",
    "check_name": "varchar",
    "column_name": "varchar",
    "severity": "varchar",
    "passed": "boolean",
    "failing_rows": "bigint",
    "sample": "varchar",
    "detail": "varchar",
    "validated_at": "timestamptz",
}


def write_quality_table(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """quality.check_results: one row per dataset and check of the validation this publish passed."""
    con.execute("create schema if not exists quality")
    cols = ", ".join(f"{name} {typ}" for name, typ in QUALITY_COLUMNS.items())
    con.execute(f"create table quality.check_results ({cols})")
    if rows:
        con.executemany(
            f"insert into quality.check_results values ({', '.join('?' for _ in QUALITY_COLUMNS)})",
            [[row.get(name) for name in QUALITY_COLUMNS] for row in rows],
        )


def publish(
    build_db: Path,
    serving_db: Path,
    published_dir: Path,
    keep: int = 5,
    quality: list[dict] | None = None,
    expect: ExpectedBuild | None = None,
    changed: Collection[str] | None = None,
    base: str | None = None,
) -> Published:
    """Publish the build: in full, or, given the dbt models rebuilt (`changed`) since the build of
    publish `base`, as a copy of `base` with those replaced, if `base` is the publish served now."""
    published_dir.mkdir(parents=True, exist_ok=True)
    # what a killed publish or rollback left: staged files, their .wal; never the serving file itself
    clean_stale(serving_db.parent, prefix=f".{serving_db.name}.")
    publish_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staged = serving_db.with_name(f".{serving_db.name}.{publish_id}.tmp")
    kept: frozenset[str] = frozenset()
    try:
        if changed is not None and base is not None and base == current_publish_id(serving_db, published_dir):
            from publishing.partial import NotCopyable, write_partial_copy  # it imports this module

            try:
                kept = write_partial_copy(build_db, serving_db, staged, changed, quality, expect)
            except NotCopyable as exc:
                log.info("publishing in full: %s", exc)
                Path(f"{staged}.wal").unlink(missing_ok=True)
                base = None
        else:
            base = None
        if base is None:
            write_serving_copy(build_db, staged, quality, expect)
        staged.chmod(0o444)  # served read-only: BI tools must never write to it
        checkpoint("publish.staged")
        archived = published_dir / f"{publish_id}.duckdb"
        os.link(staged, archived)
        checkpoint("publish.linked")
        os.replace(staged, serving_db)
        checkpoint("publish.replaced")
        _fsync_dir(serving_db.parent)
    finally:
        if staged.exists():
            staged.unlink()
    prune(published_dir, keep)
    if base is None:
        log.info("published %s -> %s", publish_id, serving_db)
    else:
        log.info("published %s -> %s: a copy of %s, %d tables kept", publish_id, serving_db, base, len(kept))
    return Published(publish_id, serving_db, base, kept)


def refuse_older_build(build_db: Path, serving_db: Path) -> None:
    """Raise PublishError when the build's latest as-of month is older than the serving warehouse's."""
    if not serving_db.exists():
        return
    query = "select max(as_of_month) from marts.fct_target_progress"
    with duckdb.connect(str(build_db), read_only=True) as con:
        built = con.execute(query).fetchone()
    with duckdb.connect(str(serving_db), read_only=True) as con:
        served = con.execute(query).fetchone()
    if built and served and built[0] is not None and served[0] is not None and built[0] < served[0]:
        raise PublishError(
            f"the build is as of {built[0]:%Y-%m} but the serving warehouse is as of {served[0]:%Y-%m}: "
            "not replacing newer figures with older ones (trigger the run with an explicit as_of to do so)"
        )


def list_published(published_dir: Path) -> list[str]:
    if not published_dir.is_dir():
        return []
    return sorted(p.stem for p in published_dir.glob("*.duckdb") if _PUBLISH_ID.match(p.stem))


def latest_publish_time(published_dir: Path) -> datetime | None:
    """When the newest kept publish was made (its id is a UTC timestamp)."""
    ids = list_published(published_dir)
    return datetime.strptime(ids[-1], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC) if ids else None


def current_publish_id(serving_db: Path, published_dir: Path) -> str | None:
    if not serving_db.exists():
        return None
    inode = serving_db.stat().st_ino
    for pid in list_published(published_dir):
        if (published_dir / f"{pid}.duckdb").stat().st_ino == inode:
            return pid
    return None


def prune(published_dir: Path, keep: int) -> None:
    for pid in list_published(published_dir)[:-keep] if keep > 0 else []:
        (published_dir / f"{pid}.duckdb").unlink()


def rollback(serving_db: Path, published_dir: Path, to: str | None = None) -> str:
    """Serve an earlier publish again (default: the one before the current one)."""
    ids = list_published(published_dir)
    current = current_publish_id(serving_db, published_dir)
    if to is None:
        older = [pid for pid in ids if current is None or pid < current]
        if not older:
            raise PublishError(f"no publish older than {current} in {published_dir}")
        to = older[-1]
    if to not in ids:
        raise PublishError(f"publish {to!r} not found in {published_dir} (have: {', '.join(ids) or 'none'})")
    staged = serving_db.with_name(f".{serving_db.name}.rollback.tmp")
    if staged.exists():
        staged.unlink()
    os.link(published_dir / f"{to}.duckdb", staged)
    checkpoint("rollback.linked")
    os.replace(staged, serving_db)
    _fsync_dir(serving_db.parent)
    log.info("rolled back serving warehouse to %s", to)
    return to
