"""How a reader opens the serving warehouse so that it sees each new publish.

Publishing replaces `planwatch.duckdb` with an atomic rename. A reader that keeps a connection keeps
reading the file it opened (a consistent old copy, by design). Two things make a reader miss new publishes
for longer than that:

- DuckDB's Python `duckdb.connect(path)` reuses an open database of the same path in the same process, so
  a second connection made after a publish still reads the replaced file while any first one is open;
- a pooled SQLAlchemy engine keeps its connections open across publishes.

The pattern: open an in-memory DuckDB and ATTACH the serving file read-only under its usual catalog name
(`planwatch`). ATTACH opens the path as it is at that moment, never a cached database, and the catalog and
schema names stay those of the file, so queries and BI datasets do not change. A reader that wants the new
publish opens a new connection; `is_stale` tells whether one is needed (publishing/bi_dialect.py uses it
to refresh a SQLAlchemy pool).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path named when it was opened: a publish replaces the file, so the inode changes."""

    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(st.st_dev, st.st_ino)


def attach_serving(con: duckdb.DuckDBPyConnection, serving_db: Path) -> FileIdentity | None:
    """Attach the serving file read-only to an open (in-memory) connection and make it the default catalog.

    Returns the identity of the file attached, taken just before attaching: if a publish lands in between,
    the identity is the older one and the next staleness check simply reopens once more.
    """
    identity = FileIdentity.of(serving_db)
    catalog = serving_db.stem
    quoted_path = str(serving_db).replace("'", "''")
    con.execute(f"attach '{quoted_path}' as \"{catalog}\" (read_only)")
    con.execute(f'use "{catalog}"')
    return identity


def open_serving(serving_db: Path, config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the publish being served now (a later publish needs a new connection);
    `config`: DuckDB settings of the connection (the exports' memory limit, core.settings.duckdb_limits)."""
    con = duckdb.connect(config=config or {})
    try:
        attach_serving(con, serving_db)
    except BaseException:
        con.close()
        raise
    return con


def is_stale(serving_db: Path, opened: FileIdentity | None) -> bool:
    """Has a publish (or rollback) replaced the file since it was opened?"""
    return FileIdentity.of(serving_db) != opened
