"""Write-audit-publish: only a build that passed validation becomes the serving warehouse.

The serving file is a new DuckDB file holding the marts and reference tables (not the staging views,
which point at the raw file), written beside the serving path and moved into place with os.replace, an
atomic rename: a reader that already has the old file open keeps reading the old inode, a new reader opens
the new file, and nobody ever sees half a file. Each publish is also kept (hard link) under published/
for rollback; the newest N are kept.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

SERVED_SCHEMAS = ("marts", "reference", "config")
_PUBLISH_ID = re.compile(r"^\d{8}T\d{6}\d{6}Z$")


@dataclass(frozen=True)
class Published:
    publish_id: str
    path: Path


class PublishError(Exception):
    pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_serving_copy(build_db: Path, target: Path) -> None:
    """Copy the served schemas of the build into a fresh DuckDB file (compact, no staging views)."""
    if target.exists():
        target.unlink()
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{build_db}' as build (read_only)")
        tables = con.execute(
            """
            select schema_name, table_name from duckdb_tables()
            where database_name = 'build' and schema_name in (select unnest(?))
            order by all
            """,
            [list(SERVED_SCHEMAS)],
        ).fetchall()
        if not any(schema == "marts" for schema, _ in tables):
            raise PublishError(f"{build_db} has no marts: refusing to publish an empty warehouse")
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as select * from build."{schema}"."{table}"')
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()
    with target.open("rb") as fh:
        os.fsync(fh.fileno())


def publish(build_db: Path, serving_db: Path, published_dir: Path, keep: int = 5) -> Published:
    published_dir.mkdir(parents=True, exist_ok=True)
    publish_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staged = serving_db.with_name(f".{serving_db.name}.{publish_id}.tmp")
    try:
        write_serving_copy(build_db, staged)
        staged.chmod(0o444)  # served read-only: BI tools must never write to it
        archived = published_dir / f"{publish_id}.duckdb"
        os.link(staged, archived)
        os.replace(staged, serving_db)
        _fsync_dir(serving_db.parent)
    finally:
        if staged.exists():
            staged.unlink()
    prune(published_dir, keep)
    log.info("published %s -> %s", publish_id, serving_db)
    return Published(publish_id, serving_db)


def list_published(published_dir: Path) -> list[str]:
    if not published_dir.is_dir():
        return []
    return sorted(p.stem for p in published_dir.glob("*.duckdb") if _PUBLISH_ID.match(p.stem))


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
    os.replace(staged, serving_db)
    _fsync_dir(serving_db.parent)
    log.info("rolled back serving warehouse to %s", to)
    return to
