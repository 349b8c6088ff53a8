"""The raw layer: a DuckDB file holding every parsed release, every vintage, nothing overwritten.

Keys: an observation is (source, indicator, region, period, measure) as published in one release
(sha256). A revised figure arrives in a new release and is a new row beside the old one, so both "latest"
and "as known on date X" can be answered. A release is loaded in one transaction: all its rows or none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from ingest.parsers.base import Record

log = logging.getLogger(__name__)

SCHEMA = """
create table if not exists releases (
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
    primary key (source_id, sha256)
);
create table if not exists observations (
    source_id varchar not null,
    indicator_code varchar not null,
    region_code varchar not null,
    period_year integer not null,
    period_start_month integer not null,
    period_end_month integer not null,
    measure varchar not null,
    value double,
    value_raw varchar,
    unit varchar not null,
    unit_raw varchar not null,
    unit_multiplier double not null,
    label_raw varchar not null,
    file_sheet varchar,
    file_row integer not null,
    sha256 varchar not null,
    release_date date not null,
    load_id varchar not null,
    loaded_at timestamptz not null,
    obs_status varchar,
    primary key (source_id, indicator_code, region_code, period_year, period_start_month, period_end_month,
                 measure, sha256)
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
-- columns added after the first release of the raw layer: existing files gain them on connect
alter table observations add column if not exists obs_status varchar;
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


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short-lived writer connection; always closed, so no task holds the file across tasks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        yield con
    finally:
        con.close()


def is_loaded(con: duckdb.DuckDBPyConnection, source_id: str, sha256: str) -> bool:
    row = con.execute(
        "select count(*) from releases where source_id = ? and sha256 = ?", [source_id, sha256]
    ).fetchone()
    return bool(row and row[0])


def load_release(
    con: duckdb.DuckDBPyConnection,
    meta: ReleaseMeta,
    records: list[Record],
    load_id: str,
    loaded_at: datetime,
) -> int:
    """Insert one release and its rows atomically; returns the rows inserted."""
    frame = pd.DataFrame(
        {
            "source_id": meta.source_id,
            "indicator_code": [r.indicator_code for r in records],
            "region_code": [r.region_code for r in records],
            "period_year": [r.period.year for r in records],
            "period_start_month": [r.period.start_month for r in records],
            "period_end_month": [r.period.end_month for r in records],
            "measure": [r.measure for r in records],
            "value": pd.Series([r.value for r in records], dtype="float64"),
            "value_raw": [r.value_raw for r in records],
            "unit": [r.unit for r in records],
            "unit_raw": [r.unit_raw for r in records],
            "unit_multiplier": [r.unit_multiplier for r in records],
            "label_raw": [r.label_raw for r in records],
            "file_sheet": [r.sheet for r in records],
            "file_row": [r.row for r in records],
            "obs_status": pd.Series([r.status for r in records], dtype="object"),
        }
    )
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                meta.source_id,
                meta.sha256,
                meta.location,
                meta.landing_path,
                meta.size_bytes,
                meta.fetched_at,
                meta.release_date,
                load_id,
                loaded_at,
                len(records),
            ],
        )
        con.register("incoming", frame)
        con.execute(
            """
            insert into observations by name
            select source_id, indicator_code, region_code, period_year, period_start_month, period_end_month,
                   measure, value, value_raw, unit, unit_raw, unit_multiplier, label_raw, file_sheet, file_row,
                   ? as sha256, ? as release_date, ? as load_id, ? as loaded_at,
                   cast(obs_status as varchar) as obs_status
            from incoming
            """,
            [meta.sha256, meta.release_date, load_id, loaded_at],
        )
        con.unregister("incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(records)


def log_load(con: duckdb.DuckDBPyConnection, **fields: object) -> None:
    cols = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    con.execute(f"insert or replace into load_log ({cols}) values ({marks})", list(fields.values()))
