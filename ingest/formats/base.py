"""What every format shares: the plugin contract, the cells a reader returns, and the option building blocks.

A format is one module under ingest/formats/ exporting `FORMAT = Format(...)`: its options model (the
registry block named after the format), a reader that turns the bytes of one release into `Cells`
(columns, never Python objects per figure), a proposer that drafts a registry entry from a sample, and a
sample writer that lays figures out the way the registry entry describes. Everything after reading
(labels to indicators, units, measures, periods, values, checks, the load) is the same for every format
and lives in ingest/formats/engine.py and checks.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import pyarrow as pa
from pydantic import AfterValidator, BaseModel, ConfigDict

from core.vocabulary import vocabulary
from ingest.errors import Finding, ReleaseError
from ingest.normalise import Period, Unit

if TYPE_CHECKING:
    import duckdb

    from ingest.registry import Source


def _known_measure(value: str) -> str:
    known = vocabulary().measures
    if value not in known:
        raise ValueError(f"measure {value!r} is not in the vocabulary ({', '.join(known)})")
    return value


# a measure named in dbt_project/seeds/vocabulary/measures.csv (ytd_value, ytd_growth_pct, level, ...)
Measure = Annotated[str, AfterValidator(_known_measure)]


def _valid_regex(value: str) -> str:
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression ({exc})") from None
    if compiled.fullmatch(""):
        raise ValueError(f"{value!r} matches the empty text, so it would match every header")
    return value


# a regular expression checked when the registry loads (it compiles, and it cannot match everything)
Regex = Annotated[str, AfterValidator(_valid_regex)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class ReleaseContext:
    """Where a release sits: its file name and the period its location names (tjyb_202409 -> 2024, 9)."""

    file_name: str
    year: int
    month: int
    today: date
    preview: bool = False  # read into a scratch database: nothing loaded before is known there


# The columns of Cells.table (or of the rows Cells.sql selects), one row per figure in the file:
CELL_SCHEMA = pa.schema(
    [
        ("file_row", pa.int32()),  # 1-based row as a person finds it in Excel or an editor
        ("sheet", pa.string()),
        ("col", pa.string()),  # the column as the file names it (a header, a letter, a JSON path)
        ("key", pa.string()),  # the row's label (label formats) or series code (code formats)
        ("label", pa.string()),  # what to keep as label_raw
        ("unit_text", pa.string()),  # the row's own unit (a unit column, a unit code), if any
        ("col_unit", pa.string()),  # the column header's bracketed unit, if any
        ("period_text", pa.string()),  # null: the release's period (a title)
        ("region_text", pa.string()),  # null: the source's region
        ("measure", pa.string()),  # the column's measure (label formats) or null (code formats)
        ("value_text", pa.string()),  # the figure as text, when the reader has text
        ("value_num", pa.float64()),  # the figure as a number, when the reader has a number
        ("status", pa.string()),  # observation status as published (SDMX OBS_STATUS)
        ("action", pa.string()),  # SDMX ACTION (I, A, R, D); null is I
    ]
)
CELL_COLUMNS = tuple(CELL_SCHEMA.names)


@dataclass
class Cells:
    """What a reader found in one release: the figures as columns, plus what the release says once."""

    table: pa.Table | None = None  # from a reader written in Python (xlsx, JSON)
    sql: str | None = None  # or a DuckDB SELECT of CELL_COLUMNS over the file (CSV readers)
    # the file's rows as a SELECT (delimited.read_csv_sql): the engine reads them once into a temporary
    # table, in file order, and `sql` reads that table, with file_row, as delimited.FILE_ROWS
    file_sql: str | None = None
    release_period: Period | None = None  # the title's period, for figures without a period of their own
    table_unit: str | None = None  # a 单位：亿元 line that applies to the whole table
    release_date: date | None = None  # as the release itself says (a 发布日期 footnote, a date column)
    code_series: dict[str, tuple[str, str]] | None = None  # code formats: key -> (indicator label, measure)
    regions: dict[str, str] | None = None  # region text -> planwatch region; others are skipped
    temp_files: list[Path] = field(default_factory=list)  # removed when the release is loaded or fails
    columns: dict[str, str] = field(default_factory=dict)  # role (period, region, label, unit) -> column
    # readers that run in this process (DuckDB's CSV reader) turn the engine's errors into a located
    # ReleaseError; None for readers run in the parse worker (the callable would not cross the socket)
    explain: Callable[[Exception], ReleaseError | None] | None = None
    # a format with tables of its own (OwnTables): what its reader found, for its loader; picklable
    records: Any = None
    record_count: int = 0  # records read (the reconciliation: read = loaded + skipped)


@dataclass(frozen=True)
class Proposal:
    """A drafted registry entry (as plain data, ready for YAML) and notes for the person reviewing it."""

    entry: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SampleFigure:
    """One figure to write into a sample release.

    `series` is a registry indicator label (label formats) or a series code (code formats, e.g. the zb
    code or `INDICATOR=TOUR_REV,MEASURE=YTD`); it need not be in the registry (a bureau's table carries
    more than we take). `value` is a number, None (written as the format's missing marker) or a text as
    it should appear.
    """

    series: str
    measure: str
    period: Period
    value: float | str | None
    region: str | None = None  # a region code as the file writes it; None: the source's region
    unit: str | None = None  # as published; None: the registry's declared unit
    status: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class SampleRelease:
    """A release to write: its figures and what it says once (period, notes, release date)."""

    year: int
    month: int
    figures: list[SampleFigure]
    period: Period | None = None  # the release's own period (a 统计月报's title), if it has one
    release_date: date | None = None
    notes: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)  # series -> name as published (code formats)
    region_names: dict[str, str] = field(default_factory=dict)
    extra_columns: dict[str, dict[tuple[str, Period], str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordLoad:
    """What a format's own loader knows of the release it writes, inside the release's transaction."""

    source: Source
    ctx: ReleaseContext
    sha256: str
    fetched_at: datetime
    release_no: int
    load_id: str
    loaded_at: datetime


@dataclass(frozen=True)
class RecordsWritten:
    """What a format's own loader wrote: records loaded, and records read but not loaded, by reason."""

    loaded: int
    skipped: dict[str, tuple[int, int | None, str]] = field(default_factory=dict)  # reason -> n, row, example


@dataclass(frozen=True)
class OwnTables:
    """A format whose releases are records for raw tables of its own, not figures of indicators (bureau
    progress returns: one row per target, with text). Its tables are created with the raw layer's (on
    every connect, so an empty deployment has them); its reader puts what it found in `Cells.records`, and
    `load` writes them inside the release's transaction (raw_store.load_release), after the checks a
    reader cannot make alone (against what is loaded already). A ReleaseError from `load` rolls the whole
    release back, like any failed check. The release's row in release_loads is written as for any format,
    so landing, vintages, `sources reprocess` and the load log work unchanged."""

    ddl: str  # `create table if not exists ...` statements
    load: Callable[[duckdb.DuckDBPyConnection, Any, RecordLoad], RecordsWritten]
    # what `sources withdraw` says instead of withdrawing, when the records have a way of their own
    withdraw_refusal: str | None = None


# files for the sender of a rejected release (name -> bytes), written beside it in quarantine: from the
# release's bytes, its file name, the findings and the error's extra facts; run in the parse worker
Replier = Callable[[bytes, str, tuple[Finding, ...], dict[str, str]], dict[str, bytes]]
Reader = Callable[[Path | bytes, "Source", ReleaseContext], Cells]
Proposer = Callable[[bytes, Path], Proposal]
SampleWriter = Callable[["Source", SampleRelease], bytes]


def _no_problems(source: Source) -> list[str]:
    return []


@dataclass(frozen=True)
class Format:
    """Everything planwatch knows about one release format."""

    name: str
    options: type[BaseModel]
    read: Reader
    propose: Proposer
    write_sample: SampleWriter
    sniff: Callable[[bytes, Path], bool]  # does a sample look like this format?
    key_kind: Literal["label", "code"]  # rows found by their label, or series by their code
    sandboxed: bool  # read in the parse worker: a native or recursive reader that a file can crash
    period_parser: Callable[[str], Period] | None = None  # None: ingest.normalise.parse_period
    unit_parser: Callable[[str, Any], Unit | None] | None = None  # coded units (SDMX): text -> Unit
    check: Callable[[Source], list[str]] = _no_problems  # registry problems beyond the options model
    labels_of: Callable[[Any], list[str]] | None = None  # labels the options name (must be indicators)
    tables: OwnTables | None = None  # records for tables of its own instead of figures (see OwnTables)
    reply: Replier | None = None  # a reply its sender can act on, for every rejected release


def cells_table(**columns: list[Any]) -> pa.Table:
    """A cells table from Python lists (readers written in Python build their columns with this)."""
    n = max((len(v) for v in columns.values()), default=0)
    arrays = [
        pa.array(columns.get(name, [None] * n), type=CELL_SCHEMA.field(name).type)
        for name in CELL_SCHEMA.names
    ]
    return pa.Table.from_arrays(arrays, schema=CELL_SCHEMA)
