"""A raw file of the first layout (wide tables `releases` and `observations`) moved to the per-load layout
of raw_store.py, once, on the first connect after an upgrade, in one transaction."""

from __future__ import annotations

import logging
from typing import Any

import duckdb

log = logging.getLogger(__name__)


def _first(rows: list[Any]) -> Any:
    return rows[0] if rows else None


_MIGRATE = """
insert into release_loads
    select row_number() over (order by loaded_at, source_id, sha256), source_id, sha256, location,
           landing_path, size_bytes, fetched_at, release_date, load_id, loaded_at, row_count, row_count, 0,
           null, null
    from releases;
create temp table pw_migrate as
    select l.release_no, o.*, dense_rank() over (
        partition by l.release_no order by o.indicator_code, o.measure, o.unit, o.unit_raw,
        o.unit_multiplier, o.label_raw, o.file_sheet) as series_no
    from observations o join release_loads l using (source_id, sha256);
insert into release_series
    select distinct release_no, series_no, indicator_code, measure, unit, unit_raw, unit_multiplier,
           label_raw, file_sheet
    from pw_migrate;
insert into observation_values
    select release_no, series_no, region_code, period_year, period_start_month, period_end_month, value,
           value_raw, file_row, obs_status
    from pw_migrate;
drop table pw_migrate;
drop table observations;
drop table releases;
"""


def migrate_if_needed(con: duckdb.DuckDBPyConnection) -> None:
    """A raw file of the first layout (wide tables `releases`, `observations`) moves to this one, once."""
    row = _first(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = 'observations'"
        ).fetchall()
    )
    if not row or not row[0]:
        return
    con.execute("alter table observations add column if not exists obs_status varchar")
    con.execute("begin transaction")
    try:
        for statement in _MIGRATE.split(";"):
            if statement.strip():
                con.execute(statement)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    row = _first(con.execute("select coalesce(max(release_no), 0) + 1 from release_loads").fetchall())
    con.execute(f"create or replace sequence release_no_seq start {int(row[0]) if row else 1}")
    log.info("raw layer moved to per-load series and values")
