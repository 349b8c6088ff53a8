"""The raw layer: a DuckDB file holding every parsed release, every vintage, nothing overwritten or deleted.

Tables (written here only):
    release_loads       one row per load of a release file (source, sha256, location, dates, counts);
                        withdrawn_at/withdrawn_reason mark a load that is no longer current
    release_series      per load, each distinct series: indicator, measure, unit, label as published
    observation_values  per load, each figure: series, region, period, value, the text if it was not a
                        plain number, row, status
    release_skips       per load, the figures read but not loaded, by reason (the reconciliation)
    load_log            one row per run of a source
    sources             the registry entry of each source as last loaded (title, bureau, format, frequency,
                        location redacted), for the warehouse's dim_sources
    and the tables of formats that have their own (bureau progress returns: ingest/formats/base.OwnTables)
Views (what dbt and the expectations read; the columns of the former tables of the same names):
    releases, observations              the current loads only
    release_history, observation_history   every load, withdrawn ones included, with withdrawn_at

Why per-load series rather than one wide row per figure: the columns that repeat for every figure of a
series (source, sha256, dates, load id, unit, label) cost as much to write as the figures themselves; a
ten-million-figure release then loads at the speed DuckDB reads the file (ingest/README.md, Performance).

A release loads in one transaction: all its figures or none. A corrected registry entry re-parses the
landed releases (`planwatch sources reprocess`): the old load is marked withdrawn and the new one added,
in one transaction. `planwatch sources withdraw` marks a load withdrawn. Nothing is ever deleted.

Every writer takes an exclusive lock next to the file first, without waiting: a second writer (another
run, `planwatch sources load`, a failure callback) fails at once with a message naming the holder.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from core.errors import UsageError
from core.faults import checkpoint
from ingest.normalise import Unit
from ingest.raw_lock import RawStoreBusy, default_holder, exclusive
from ingest.raw_migrate import migrate_if_needed

if TYPE_CHECKING:
    from ingest.formats.engine import ParsedRelease
    from ingest.registry import Source

__all__ = ["RawStoreBusy", "ReleaseMeta", "connect", "create_schema", "first", "load_release"]

log = logging.getLogger(__name__)
MEMORY_ENV = "PLANWATCH_DUCKDB_MEMORY"


SCHEMA = """
create sequence if not exists release_no_seq start 1;
create table if not exists release_loads (
    release_no integer primary key,
    source_id varchar not null,
    sha256 varchar not null,
    location varchar not null,
    landing_path varchar not null,
    size_bytes bigint not null,
    fetched_at timestamptz not null,
    release_date date not null,
    load_id varchar not null,
    loaded_at timestamptz not null,
    row_count integer not null,
    figures_read integer not null,
    figures_skipped integer not null,
    withdrawn_at timestamptz,
    withdrawn_reason varchar,
    check (figures_read = row_count + figures_skipped)
);
create table if not exists release_series (
    release_no integer not null,
    series_no integer not null,
    indicator_code varchar not null,
    measure varchar not null,
    unit varchar not null,
    unit_raw varchar not null,
    unit_multiplier double not null,
    label_raw varchar not null,
    file_sheet varchar,
    primary key (release_no, series_no)
);
create table if not exists observation_values (
    release_no integer not null,
    series_no integer not null,
    region_code varchar not null,
    period_year smallint not null,
    period_start_month tinyint not null,
    period_end_month tinyint not null,
    value double,
    value_raw varchar,
    file_row integer not null,
    obs_status varchar
);
create table if not exists release_skips (
    release_no integer not null,
    reason varchar not null,
    figures integer not null,
    first_row integer,
    example varchar
);
create table if not exists sources (
    source_id varchar primary key,
    title varchar not null,
    bureau_code varchar not null,
    format varchar not null,
    frequency varchar not null,
    location varchar not null,
    recorded_at timestamptz not null
);
create table if not exists load_log (
    load_id varchar primary key,
    source_id varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,
    releases_new integer,
    releases_unchanged integer,
    releases_missing integer,
    releases_rejected integer,
    rows_loaded integer,
    message varchar
);
"""

# value_raw: the text as published where it was not a plain number (a missing marker, 1,234.5, full-width
# digits, ACTION=D); for a plain number the views give the number as text.
_HISTORY_COLUMNS = """
    r.source_id, s.indicator_code, v.region_code, cast(v.period_year as integer) as period_year,
    cast(v.period_start_month as integer) as period_start_month,
    cast(v.period_end_month as integer) as period_end_month, s.measure, v.value,
    coalesce(v.value_raw, cast(v.value as varchar)) as value_raw, s.unit, s.unit_raw, s.unit_multiplier,
    s.label_raw, s.file_sheet, v.file_row, r.sha256, r.release_date, r.load_id, r.loaded_at, v.obs_status
"""
VIEWS = f"""
create or replace view release_history as select * from release_loads;
create or replace view releases as
    select source_id, sha256, location, landing_path, size_bytes, fetched_at, release_date, load_id,
           loaded_at, row_count, figures_read, figures_skipped
    from release_loads where withdrawn_at is null;
create or replace view observation_history as
    select {_HISTORY_COLUMNS}, r.release_no, r.withdrawn_at
    from observation_values v
    join release_series s on s.release_no = v.release_no and s.series_no = v.series_no
    join release_loads r on r.release_no = v.release_no;
create or replace view observations as
    select {_HISTORY_COLUMNS}
    from observation_values v
    join release_series s on s.release_no = v.release_no and s.series_no = v.series_no
    join release_loads r on r.release_no = v.release_no
    where r.withdrawn_at is null;
"""


@dataclass(frozen=True)
class ReleaseMeta:
    source_id: str
    sha256: str
    location: str
    landing_path: str
    size_bytes: int
    fetched_at: datetime
    release_date: date


def first(rows: list[Any]) -> Any:
    """The first row of a fetched result, or None (DuckDB 2 keeps a result open until it is exhausted,
    and an open result blocks the next statement on the connection, so results are always fetched)."""
    return rows[0] if rows else None


def insert_values(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[Any]]) -> None:
    """Rows into a table as one INSERT ... VALUES with parameters: executemany prepares and runs a
    statement per row (7 ms for a return of seven rows, against 1 ms)."""
    if rows:
        one = "(" + ", ".join("?" * len(rows[0])) + ")"
        con.execute(
            f"insert into {table} values {', '.join([one] * len(rows))}", [v for r in rows for v in r]
        )


@contextlib.contextmanager
def connect(path: Path, holder: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer connection to the raw file, under an exclusive, fail-fast lock; always closed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(path, holder or default_holder()):
        try:
            con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise RawStoreBusy(
                f"{path} is open in another program ({str(exc).splitlines()[0]}); readers must not open "
                "raw.duckdb (read the published warehouse instead)"
            ) from exc
        try:
            con.execute(f"set memory_limit = '{os.environ.get(MEMORY_ENV, '1GB')}'")
            create_schema(con)
            yield con
        finally:
            con.close()


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The raw tables and views, created or brought up to date (also on a scratch in-memory database),
    and the tables of every format that has its own (ingest.formats.base.OwnTables)."""
    from ingest.formats import FORMATS  # the formats import this module

    con.execute(SCHEMA)
    migrate_if_needed(con)
    con.execute(VIEWS)
    for fmt in FORMATS.values():
        if fmt.tables is not None:
            con.execute(fmt.tables.ddl)


def record_source(con: duckdb.DuckDBPyConnection, source: Source, location: str) -> None:
    """The registry entry a load read, as the warehouse's dim_sources shows it (location redacted)."""
    con.execute(
        "insert or replace into sources values (?, ?, ?, ?, ?, ?, ?)",
        [source.id, source.title, source.bureau, source.format, source.release.frequency, location,
         datetime.now(UTC)],
    )  # fmt: skip


def is_loaded(con: duckdb.DuckDBPyConnection, source_id: str, sha256: str) -> bool:
    """Whether this release was ever loaded, including loads since withdrawn (they stay withdrawn)."""
    row = first(
        con.execute(
            "select count(*) from release_loads where source_id = ? and sha256 = ?", [source_id, sha256]
        ).fetchall()
    )
    return bool(row and row[0])


def loaded_shas(con: duckdb.DuckDBPyConnection, source_id: str) -> set[str]:
    """The contents of every release of the source ever loaded (is_loaded for all of them, one query)."""
    rows = con.execute("select distinct sha256 from release_loads where source_id = ?", [source_id])
    return {sha for (sha,) in rows.fetchall()}


def unit_history(con: duckdb.DuckDBPyConnection, source_id: str) -> dict[tuple[str, str], Unit]:
    """The unit each (indicator, measure) of a source was last loaded in: a change is checked against it."""
    rows = con.execute(
        """select s.indicator_code, s.measure, arg_max(s.unit_raw, r.release_no), arg_max(s.unit, r.release_no),
                  arg_max(s.unit_multiplier, r.release_no)
           from release_series s join release_loads r using (release_no)
           where r.source_id = ? and r.withdrawn_at is null group by 1, 2""",
        [source_id],
    ).fetchall()
    return {(code, measure): Unit(raw, unit, mult) for code, measure, raw, unit, mult in rows}


def load_release(
    con: duckdb.DuckDBPyConnection,
    meta: ReleaseMeta,
    parsed: ParsedRelease,
    load_id: str,
    loaded_at: datetime,
    *,
    own_transaction: bool = True,
) -> int:
    """Write one release, check it and commit, or roll back and raise; returns the figures (or, for a
    format with tables of its own, the records) loaded."""
    from ingest.formats.base import RecordLoad

    if own_transaction:
        con.execute("begin transaction")
    try:
        row = first(con.execute("select nextval('release_no_seq')").fetchall())
        release_no = int(row[0]) if row else 0
        if parsed.own_tables is not None:
            job = RecordLoad(
                parsed.source, parsed.ctx, meta.sha256, meta.fetched_at, release_no, load_id, loaded_at
            )
            written = parsed.load_records(con, job)
            loaded, skips = written.loaded, [(r, *v) for r, v in written.skipped.items()]
        else:
            loaded = _write_figures(con, parsed, release_no)
            skips = [(s.reason, s.figures, s.first_row, s.example) for s in parsed.skips]
        _write_load_row(con, meta, release_no, load_id, loaded_at, (parsed.figures_read, loaded), skips)
        checkpoint("raw.load.before_commit")
        if own_transaction:
            con.execute("commit")
    except BaseException:
        if own_transaction:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
        raise
    finally:
        parsed.close(con)
    return loaded


def _write_figures(con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, release_no: int) -> int:
    """The release's series in one bulk insert, its figures in one INSERT ... SELECT, then the checks."""
    from ingest.formats.checks import check_written  # the checks read the engine's helper tables

    parsed.insert_series(con, release_no)  # one bulk insert from the series table, not a row per series
    loaded = parsed.insert(con, release_no)
    check_written(con, parsed, release_no, loaded)
    return loaded


def _write_load_row(
    con: duckdb.DuckDBPyConnection,
    meta: ReleaseMeta,
    release_no: int,
    load_id: str,
    loaded_at: datetime,
    counts: tuple[int, int],
    skips: list[tuple[str, int, int | None, str]],
) -> None:
    """The release's skips and its release_loads row: figures (or records) read and loaded, and the
    reconciliation read = loaded + skipped, a CHECK constraint that rejects a release that does not add up."""
    read, loaded = counts
    if skips:
        insert_values(
            con,
            "release_skips",
            [[release_no, reason, n, row, example[:200]] for reason, n, row, example in skips],
        )
    skipped = sum(n for _, n, _, _ in skips)
    con.execute(
        "insert into release_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null)",
        [
            release_no, meta.source_id, meta.sha256, meta.location, meta.landing_path, meta.size_bytes,
            meta.fetched_at, meta.release_date, load_id, loaded_at, loaded, read, skipped,
        ],
    )  # fmt: skip


def current_releases(con: duckdb.DuckDBPyConnection, source_id: str) -> list[dict[str, Any]]:
    """The current (not withdrawn) loads of a source, oldest first."""
    return dicts(
        con,
        "select * from release_loads where source_id = ? and withdrawn_at is null order by release_no",
        [source_id],
    )


def dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """A query's rows as dicts by column name (fetched whole: see `first`)."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def mark_withdrawn(con: duckdb.DuckDBPyConnection, release_no: int, reason: str, at: datetime) -> None:
    con.execute(
        "update release_loads set withdrawn_at = ?, withdrawn_reason = ? where release_no = ?",
        [at, reason, release_no],
    )


def withdraw(
    con: duckdb.DuckDBPyConnection, source_id: str, sha: str, reason: str, at: datetime | None = None
) -> dict[str, Any]:
    """Withdraw the current load of one release (by its sha256 or a unique prefix of 8+ characters)."""
    sha = sha.strip().lower()
    if len(sha) < 8:
        raise UsageError(f"--release {sha!r}: give the release's sha256 or at least its first 8 characters")
    rows = con.execute(
        "select release_no, sha256, location, withdrawn_at, row_count from release_loads "
        "where source_id = ? and starts_with(sha256, ?) order by release_no desc",
        [source_id, sha],
    ).fetchall()
    current = [r for r in rows if r[3] is None]
    if not rows:
        raise UsageError(f"source {source_id} has no loaded release {sha}… (see `planwatch sources list`)")
    if len({r[1] for r in rows}) > 1:
        raise UsageError(f"{sha}… names {len({r[1] for r in rows})} releases of {source_id}: give more of it")
    if not current:
        raise UsageError(f"release {rows[0][1][:12]}… of {source_id} was already withdrawn on {rows[0][3]}")
    release_no, full, location, _, figures = current[0]
    mark_withdrawn(con, release_no, reason, at or datetime.now(UTC))
    return {"sha256": full, "location": location, "figures": figures}


def log_load(con: duckdb.DuckDBPyConnection, **fields: object) -> None:
    cols = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    con.execute(f"insert or replace into load_log ({cols}) values ({marks})", list(fields.values()))
