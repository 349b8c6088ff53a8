"""From a reader's cells to checked observations, in DuckDB, the same for every format.

A release is read into cells (one row per figure, as columns: ingest/formats/base.py). One grouping
query then finds what the file holds at the level where decisions are made: each distinct series (label
or code, unit, column), period and region, with counts and the first row where it occurs. The series
are decided per distinct label and signature and become a table in DuckDB (series.py); Python reads
each period label and region once (periods.py) and writes those two small tables. One INSERT ... SELECT
then joins the cells to them and writes every figure in a single statement (ParsedRelease.insert), inside
the release's transaction (raw_store.load_release), and checks.py checks what was written before commit.
Nothing is built per figure or per series in Python, so a release of ten million figures costs what
DuckDB costs.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from core.errors import Location
from ingest import raw_store
from ingest.errors import ReleaseError
from ingest.formats import FORMATS, series
from ingest.formats.base import Cells, Format, OwnTables, RecordLoad, RecordsWritten, ReleaseContext
from ingest.formats.delimited import FILE_ROWS
from ingest.formats.resolve import NULL_KEY, Decisions, SeriesPlan, Skip, null_key, plan_of, series_join
from ingest.normalise import NormaliseError, Period, parse_period
from ingest.raw_store import first

if TYPE_CHECKING:
    from ingest.registry import Source
    from ingest.sandbox import ParseSandbox

log = logging.getLogger(__name__)

_GROUPS = """
select key, unit_text, col_unit, measure, period_text, region_text,
       grouping(key) as no_key, grouping(period_text) as no_period, grouping(region_text) as no_region,
       count(*) as n, min(file_row) as first_row, any_value(sheet) as sheet, arg_min(col, file_row) as col,
       any_value(label) as label
from {cells}
group by grouping sets ((key, unit_text, col_unit, measure), (period_text), (region_text))
"""


@dataclass
class ParsedRelease:
    """A release read and decided, ready to be written by raw_store.load_release in its transaction."""

    source: Source
    ctx: ReleaseContext
    cells: Cells
    relation: str
    tag: str
    decisions: Decisions
    figures_read: int
    release_date: date | None = None
    closed: bool = field(default=False, repr=False)

    def plan(self, con: duckdb.DuckDBPyConnection, series_no: int) -> SeriesPlan | None:
        """One series of the release, for a message."""
        return plan_of(con, self.tag, "series_no", series_no)

    def insert_series(self, con: duckdb.DuckDBPyConnection, release_no: int) -> None:
        """The release's series rows, from the series table; the caller holds the transaction."""
        con.execute(
            f"""insert into release_series by name
                select ? as release_no, series_no, indicator_code, obs_measure as measure,
                       unit_canonical as unit, unit_raw, multiplier as unit_multiplier, label_raw,
                       sheet as file_sheet
                from pw_series_{self.tag}""",
            [release_no],
        )

    @property
    def skips(self) -> list[Skip]:
        return self.decisions.skips

    @property
    def figures_skipped(self) -> int:
        return sum(s.figures for s in self.skips)

    def insert(self, con: duckdb.DuckDBPyConnection, release_no: int) -> int:
        """Write every figure of the release as one INSERT ... SELECT; the caller holds the transaction."""
        t = self.tag
        if self.cells.regions is None:  # the region text is the code: no table to join
            fallback = self.source.region.replace("'", "''")
            region, region_join = f"coalesce(trim(c.region_text), '{fallback}')", ""
        else:
            region = "r.code"
            region_join = f"join pw_regions_{t} r on r.region_text = {null_key('c.region_text')}"
        sql = f"""
            insert into observation_values by name
            select ? as release_no, s.series_no, {region} as region_code, p.y as period_year,
                   case s.rule when 'january' then 1 when 'period_end' then p.e
                        when 'quarter' then greatest(p.s, p.e - 2) else p.s end as period_start_month,
                   p.e as period_end_month,
                   case when c.action = 'D' then null else c.x - s.offset end as value,
                   case when c.action = 'D' then 'ACTION=D' when c.x is null then c.value_text
                        when s.offset <> 0 then coalesce(c.value_text, cast(c.x as varchar)) end as value_raw,
                   c.file_row, c.status as obs_status
            from (select *, coalesce(value_num, case when strpos(value_text, '_') = 0
                                                     then try_cast(value_text as double) end) as x
                  from {self.relation}) c
            join pw_series_{t} s on {series_join(self.decisions.join_columns)}
            join pw_periods_{t} p on p.period_text = {null_key("c.period_text")}
            {region_join}
        """
        try:
            row = first(con.execute(sql, [release_no]).fetchall())
        except duckdb.Error as exc:
            raise _explained(self.cells, exc, Location(self.source.id, self.ctx.file_name)) from exc
        return int(row[0]) if row else 0

    @property
    def own_tables(self) -> OwnTables | None:
        """The format's own tables, when its releases are records rather than figures."""
        return FORMATS[self.source.format].tables

    def load_records(self, con: duckdb.DuckDBPyConnection, job: RecordLoad) -> RecordsWritten:
        """Write a records release through its format's loader; the caller holds the transaction."""
        tables = self.own_tables
        assert tables is not None
        return tables.load(con, self.cells.records, job)

    def close(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Drop the helper tables and temporary files (idempotent)."""
        if self.closed:
            return
        self.closed = True
        if con is not None and self.relation:
            _drop(con, self.tag, self.relation, self.cells.table is not None)
        remove_files(self.cells.temp_files)


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _drop(con: duckdb.DuckDBPyConnection, tag: str, relation: str, registered: bool) -> None:
    with contextlib.suppress(duckdb.Error):
        # one call for the helper tables (the registered ones, keys, maps and decisions, are gone already)
        con.execute(
            ";".join(
                f"drop table if exists pw_{name}_{tag}"
                for name in ("series", "periods", "regions", "found", "sig")
            )
        )
        if registered:
            con.unregister(relation)
        else:
            con.execute(f"drop view if exists {relation}; drop table if exists pw_rows_{tag}")


def _explained(cells: Cells, exc: Exception, where: Location) -> ReleaseError:
    explain = cells.explain
    if explain is not None and (found := explain(exc)) is not None:
        return found
    return ReleaseError(where, f"the file cannot be read ({str(exc).splitlines()[0]})", "a readable file")


def read_cells(
    data: Path | bytes, source: Source, ctx: ReleaseContext, sandbox: ParseSandbox | None = None
) -> Cells:
    """The format's reader, in the parse worker when the format's reader is native or recursive."""
    fmt = FORMATS[source.format]
    where = Location(source.id, ctx.file_name)
    size = data.stat().st_size if isinstance(data, Path) else len(data)
    if size > source.limits.max_bytes:
        raise ReleaseError(
            where,
            f"the file is {size:,} bytes",
            f"at most {source.limits.max_bytes:,} bytes (limits.max_bytes of the source)",
        )
    if fmt.sandboxed and sandbox is not None and isinstance(data, Path):
        # a reader reads the options, limits and names of an entry, never its indicators: the entry crosses
        # to the worker without them (a 100,000-indicator entry took seconds to pickle and unpickle)
        reader_view = source.model_copy(update={"indicators": []}) if source.indicators else source
        return sandbox.run_on_file(fmt.read, data, reader_view, ctx, where=where)
    return fmt.read(data, source, ctx)


def parse_release(
    con: duckdb.DuckDBPyConnection,
    data: Path | bytes,
    source: Source,
    ctx: ReleaseContext,
    *,
    sandbox: ParseSandbox | None = None,
) -> ParsedRelease:
    """Read one release and decide its series, periods and regions; raises ReleaseError naming where.

    `con` is the connection the release will be loaded with (the raw file's, or an in-memory one for a
    preview): the cells and the decision tables live in it until the load.
    """
    cells = read_cells(data, source, ctx, sandbox)
    if FORMATS[source.format].tables is not None:  # records for the format's own tables: no decisions
        return ParsedRelease(source, ctx, cells, "", "", Decisions(), cells.record_count, cells.release_date)
    tag = uuid.uuid4().hex[:12]
    relation = f"pw_cells_{tag}"
    try:
        if cells.table is not None:
            con.register(relation, cells.table)
        else:
            con.execute(f"create temp view {relation} as {_cells_sql(con, cells, tag, source, ctx)}")
        parsed = _decide(con, cells, FORMATS[source.format], source, ctx, tag, relation)
    except BaseException:
        _drop(con, tag, relation, cells.table is not None)
        remove_files(cells.temp_files)
        raise
    return parsed


def _cells_sql(
    con: duckdb.DuckDBPyConnection, cells: Cells, tag: str, source: Source, ctx: ReleaseContext
) -> str:
    """The reader's SELECT of cells; a file's rows are first read once, in parallel, into a table.

    The grouping query and the INSERT both read the cells: over the file itself that was two reads of
    it, each numbering the rows with a window on one thread (5 million rows: 1.7 s and 6.4 s, against 0.3
    s and 1.1 s from the table, plus 1.5 s to write it). The table is written in file order (DuckDB keeps
    the insertion order, `preserve_insertion_order` being on), so a row's place in it is its line
    (tests/ingest/test_csv_table.py checks every line of a file DuckDB reads in parallel); it lives in
    memory up to the connection's memory_limit and spills to DuckDB's temp directory past it.
    """
    assert cells.sql is not None
    if cells.file_sql is None:
        return cells.sql
    try:
        con.execute(f"create temp table pw_rows_{tag} as {cells.file_sql}")
    except duckdb.Error as exc:
        raise _explained(cells, exc, Location(source.id, ctx.file_name)) from exc
    # row ids run on without a gap in insertion order; inside a transaction they start past a large base
    first_id = f"(select min(rowid) from pw_rows_{tag})"
    rows = f"(select cast(rowid - {first_id} + 2 as integer) as file_row, * from pw_rows_{tag})"
    return cells.sql.replace(FILE_ROWS, rows)


def _decide(
    con: duckdb.DuckDBPyConnection,
    cells: Cells,
    fmt: Format,
    source: Source,
    ctx: ReleaseContext,
    tag: str,
    relation: str,
) -> ParsedRelease:
    where = Location(source.id, ctx.file_name)
    try:
        con.execute(f"create temp table pw_found_{tag} as {_GROUPS.format(cells=relation)}")
    except duckdb.Error as exc:
        raise _explained(cells, exc, where) from exc
    history = raw_store.unit_history(con, source.id)
    decisions = series.decide(con, tag, cells, fmt, source, ctx, history, _period_parser(fmt))
    _write_tables(con, tag, decisions)
    decisions.count_region_skips(con, relation, tag)
    decisions.check_unreadable_periods(con, relation, tag)
    read = series.figures_read(con, tag)
    return ParsedRelease(source, ctx, cells, relation, tag, decisions, read, cells.release_date)


def _period_parser(fmt: Format) -> Callable[[str], Period]:
    parser = fmt.period_parser
    if parser is not None:
        return parser

    def default(text: str) -> Period:
        try:
            return parse_period(text)
        except NormaliseError as exc:
            raise ValueError(str(exc)) from exc

    return default


def _write_tables(con: duckdb.DuckDBPyConnection, tag: str, d: Decisions) -> None:
    """The period and region decisions as tables (the series table is built in DuckDB: series.py)."""

    def key(values: list[str | None]) -> pa.Array:
        return pa.array([NULL_KEY if v is None else v for v in values], pa.string())

    periods = pa.table(
        {
            "period_text": key(list(d.periods)),
            "y": pa.array([p.year for p in d.periods.values()], pa.int16()),
            "s": pa.array([p.start_month for p in d.periods.values()], pa.int8()),
            "e": pa.array([p.end_month for p in d.periods.values()], pa.int8()),
        }
    )
    regions = pa.table({"region_text": key(list(d.regions)), "code": list(d.regions.values())})
    for name, table in (("periods", periods), ("regions", regions)):
        con.register(f"pw_{name}_arrow", table)
        con.execute(f"create temp table pw_{name}_{tag} as select * from pw_{name}_arrow")
        con.unregister(f"pw_{name}_arrow")
