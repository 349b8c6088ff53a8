"""A partial publish: the new serving file as a copy of the one served, with only what changed replaced.

On a night of new data alone (planwatch.incremental) dbt rebuilds what is downstream of the raw tables
that changed, and the other marts are, table for table, those of the publish being served. So the new
file starts as a byte copy of the served one (a copy, never a link: readers and rollback keep the old
file as it is), the tables dbt rebuilt are replaced in it, and the views, comments and quality table are
written again as a full publish writes them (publishing/publish.py, which then fsyncs, archives and
renames it into place as always).

- The copy keeps its storage version: DuckDB writes an attached file in the version it has (checked).
- The file does not grow night after night: the replaced tables are dropped and checkpointed before the
  new ones are written, so the new ones take the freed blocks (measured: benchmarks/README.md). A
  served file with many free blocks anyway (MAX_FREE_FRACTION) is published in full.
- A table kept must have the build's columns and row count, whatever dbt said it rebuilt: one that
  differs is replaced too.
- The copy is made by the kernel (shutil.copyfile: sendfile). The filesystem this runs on (ext4) has no
  reflink, so the copy costs reading and writing the file once, a fraction of writing every table.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

import duckdb

from core.settings import duckdb_limits
from publishing.build_marker import ExpectedBuild
from publishing.publish import (
    SERVING_CATALOG,
    SERVING_STORAGE_VERSION,
    attach_build,
    copy_tables,
    finish_serving_file,
    served_tables,
    spill_folder,
)

# a served file with more of its blocks free than this is rewritten in full rather than copied
MAX_FREE_FRACTION = 0.25


class NotCopyable(Exception):
    """The served file cannot be the start of this publish (the reason says why): publish in full."""


def _shape(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> tuple[Any, ...]:
    """A table's columns and types, and its row count: what a table kept from the served file must share
    with the build's, or it is replaced whatever dbt said it rebuilt."""
    columns = con.execute(
        """
        select list(column_name || ' ' || data_type order by column_index) from duckdb_columns()
        where database_name = ? and schema_name = ? and table_name = ?
        """,
        [catalog, schema, table],
    ).fetchone()
    rows = con.execute(f'select count(*) from "{catalog}"."{schema}"."{table}"').fetchone()
    return (columns[0] if columns else None, rows[0] if rows else None)


def _check_copy(con: duckdb.DuckDBPyConnection, base_file: Path) -> None:
    """Raise NotCopyable unless the attached copy is in the serving storage version and compact."""
    tags = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = ?", [SERVING_CATALOG]
    ).fetchone()
    if not tags or tags[0] != f"{SERVING_STORAGE_VERSION}+":
        raise NotCopyable(f"{base_file} is in storage version {tags[0] if tags else '?'}")
    size = con.execute(
        "select total_blocks, free_blocks from pragma_database_size() where database_name = ?",
        [SERVING_CATALOG],
    ).fetchone()
    if size and size[0] and size[1] / size[0] > MAX_FREE_FRACTION:
        raise NotCopyable(f"{base_file} has {size[1]} of its {size[0]} blocks free")


def write_partial_copy(
    build_db: Path,
    base_file: Path,
    target: Path,
    changed: Collection[str],
    quality: list[dict] | None = None,
    expect: ExpectedBuild | None = None,
) -> frozenset[str]:
    """The serving file as a copy of `base_file` (the file served now) with the tables named in `changed`
    (dbt model names rebuilt since `base_file`'s build) replaced from the build, every table the build
    has that the copy lacks or holds in another shape added, and the views, comments and quality table
    written as write_serving_copy writes them. Returns the tables kept as they were (schema.table).
    Raises NotCopyable, before anything is replaced, when the copy is not a good start."""
    if target.exists():
        target.unlink()
    shutil.copyfile(base_file, target)  # a new inode, writable (the umask's mode): never the served one
    con = duckdb.connect(config=duckdb_limits(spill_folder(target)))
    try:
        built = attach_build(con, build_db, expect)
        # no storage_version: DuckDB writes an existing file in the version it has, checked here
        con.execute(f"attach '{target}' as {SERVING_CATALOG}")
        con.execute(f"use {SERVING_CATALOG}")
        _check_copy(con, base_file)
        served = set(served_tables(con, SERVING_CATALOG))
        kept = {
            (schema, table)
            for schema, table in built
            if table not in changed
            and (schema, table) in served
            and _shape(con, "build", schema, table) == _shape(con, SERVING_CATALOG, schema, table)
        }
        for schema, view in con.execute(
            "select schema_name, view_name from duckdb_views() where database_name = ? and not internal",
            [SERVING_CATALOG],
        ).fetchall():
            con.execute(f'drop view "{schema}"."{view}"')
        for schema, table in sorted(served - kept):
            con.execute(f'drop table "{schema}"."{table}"')
        con.execute("drop table if exists quality.check_results")
        # the dropped tables' blocks are free once checkpointed: the tables written next reuse them
        con.execute(f"checkpoint {SERVING_CATALOG}")
        copy_tables(con, [t for t in built if t not in kept])
        finish_serving_file(con, build_db, quality)
    finally:
        con.close()
    with target.open("rb") as fh:
        os.fsync(fh.fileno())
    return frozenset(f"{schema}.{table}" for schema, table in kept)
