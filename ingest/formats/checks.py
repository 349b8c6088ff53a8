"""Checks on the figures of one release as written, inside its transaction, before it commits.

Every value finite, typed and accounted for, or the release is rejected (issue 14):
- a text that is not a plain number goes through ingest.normalise.parse_number (thousands separators,
  full-width digits, Chinese numerals, missing markers); anything else names its row and column;
- every value times its unit's multiplier is finite (1e301 亿元 is not), and within its bounds: counts and
  other quantities not below 0, rates within 0-100 %, growth not below -100 % (ingest/formats/rules.py);
- one figure per indicator, measure, region and period, and no period missing inside a series' run;
- an SDMX deletion (ACTION=D) names a figure this source has loaded;
- figures read = figures loaded + figures skipped for a stated reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats.periods import gaps
from ingest.formats.resolve import SeriesPlan, plan_of
from ingest.normalise import NormaliseError, Period, parse_number
from ingest.raw_store import first, insert_values

if TYPE_CHECKING:
    from ingest.formats.engine import ParsedRelease

_SLOW_VALUES_LIMIT = 200_000  # distinct texts read by Python; more is a file of non-numbers


def check_written(
    con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, release_no: int, loaded: int
) -> None:
    deletions = _read_texts(con, parsed, release_no)
    _in_bounds(con, parsed, release_no)
    _no_duplicates_or_gaps(con, parsed, release_no)
    if deletions:  # most releases have none; the query that names them took ~9 ms a release at 10x
        _deletions_name_loaded_figures(con, parsed, release_no)
    _reconciled(parsed, loaded)


def _cell_where(
    con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, file_row: int, series_no: int
) -> Location:
    """Where a figure sits, for a message: its sheet and column, found in the cells again."""
    plan = parsed.plan(con, series_no)
    col = plan.col if plan else None
    sheet = plan.sheet if plan else None
    return Location(parsed.source.id, parsed.ctx.file_name, sheet, file_row, col)


def _read_texts(con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, release_no: int) -> int:
    """Values DuckDB's cast did not read: read them as bureaus write them, or reject the release. Returns
    the release's deletions (SDMX ACTION=D, kept as value_raw), which the same scan counts."""
    rows = con.execute(
        """select value_raw, min(file_row), arg_min(series_no, file_row), count(*)
           from observation_values where release_no = ? and value is null and value_raw is not null
           group by value_raw limit ?""",
        [release_no, _SLOW_VALUES_LIMIT + 2],
    ).fetchall()
    deletions = sum(n for text, _, _, n in rows if text == "ACTION=D")
    rows = [r for r in rows if r[0] != "ACTION=D"]
    if len(rows) > _SLOW_VALUES_LIMIT:
        raise ReleaseError(
            Location(parsed.source.id, parsed.ctx.file_name),
            f"more than {_SLOW_VALUES_LIMIT:,} different non-numeric texts in value columns",
            "numbers",
        )
    fixes: list[tuple[str, float]] = []
    for text, first_row, series_no, _ in rows:
        try:
            value = parse_number(text)
        except NormaliseError as exc:
            plan = parsed.plan(con, series_no)
            label = f" (indicator {plan.label})" if plan else ""
            raise ReleaseError(
                _cell_where(con, parsed, first_row, series_no),
                f"{exc}{label}",
                "a number or a missing marker (—, …, -, 空)",
            ) from exc
        if value is not None:
            fixes.append((text, value))
    if not fixes:
        return deletions
    con.execute("create or replace temp table pw_fixes (value_raw varchar, value double)")
    insert_values(con, "pw_fixes", fixes)
    con.execute(
        f"""update observation_values o set value = f.value - s.offset
            from pw_fixes f, pw_series_{parsed.tag} s
            where o.release_no = ? and o.value is null and o.value_raw = f.value_raw
              and s.series_no = o.series_no""",
        [release_no],
    )
    con.execute("drop table pw_fixes")
    return deletions


def _in_bounds(con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, release_no: int) -> None:
    row = first(
        con.execute(
            f"""select o.file_row, o.series_no, o.value, o.value_raw, s.lo, s.hi, s.multiplier
            from observation_values o join pw_series_{parsed.tag} s using (series_no)
            where o.release_no = ? and o.value is not null
              and (not isfinite(o.value * s.multiplier) or o.value < s.lo or o.value > s.hi)
            order by o.file_row, o.series_no limit 1""",
            [release_no],
        ).fetchall()
    )
    if row is None:
        return
    file_row, series_no, value, _, lo, hi, multiplier = row
    plan = parsed.plan(con, series_no)
    assert plan is not None
    where = _cell_where(con, parsed, file_row, series_no)
    if not _finite(value * multiplier):
        raise ReleaseError(
            where,
            f"{value!r} {plan.unit.raw} of {plan.label} is not a finite number in {plan.unit.canonical}",
            "a finite figure",
        )
    shown = f"{value + plan.offset:g}" + (f" (index {plan.offset:g} + growth)" if plan.offset else "")
    raise ReleaseError(
        where,
        f"{shown} is out of range for {plan.label} ({plan.measure}, {plan.unit.raw})",
        f"a value from {lo:g} to {hi:g}",
    )


def _finite(x: float) -> bool:
    return x == x and x not in (float("inf"), float("-inf"))


def _no_duplicates_or_gaps(con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, release_no: int) -> None:
    """One aggregation of what was written, by series and period: a duplicate shows as more figures than
    regions; the periods of each series show a gap (a row lost to a mistyped label) against the others.

    The aggregation stays in DuckDB: Python gets whether any group is a duplicate, the periods the release
    has, and the periods of the series that have two or more (only those can have a gap), not one row per
    series and period (300,000 for a 100,000-row 统计月报)."""
    # one region: a duplicate is a second figure; several: more figures than distinct regions
    regions = "count(distinct region_code)" if len(parsed.decisions.regions) > 1 else "1"
    t = parsed.tag
    con.execute(
        f"""create or replace temp table pw_groups_{t} as
            select s.dup_key, g.* from (
                select series_no, period_year, period_start_month, period_end_month, count(*) n, {regions} regions
                from observation_values where release_no = ? group by all) g
            join pw_series_{t} s using (series_no)""",
        [release_no],
    )
    try:
        duplicated = first(con.execute(f"select bool_or(n > regions) from pw_groups_{t}").fetchall())[0]
        unique_series = parsed.decisions.identities == parsed.decisions.series_count
        if not unique_series or duplicated:
            _duplicate(con, parsed, release_no, unique_series)
        everywhere = {
            (y, e)
            for y, e in con.execute(
                f"select distinct period_year, period_end_month from pw_groups_{t}"
            ).fetchall()
        }
        rows = con.execute(
            f"""select dup_key, period_year, period_start_month, period_end_month from pw_groups_{t}
                where dup_key in (select dup_key from pw_groups_{t} group by dup_key
                                  having count(distinct (period_year, period_end_month)) > 1)"""
        ).fetchall()
    finally:
        con.execute(f"drop table if exists pw_groups_{t}")
    runs: dict[int, set[Period]] = {}
    for dup_key, year, start, end in rows:
        runs.setdefault(dup_key, set()).add(Period(year, start, end))
    gaps(
        parsed.decisions, runs, parsed.source, parsed.ctx, everywhere, lambda dup: _last_of(con, parsed, dup)
    )


def _last_of(con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, dup_key: int) -> SeriesPlan:
    plan = plan_of(con, parsed.tag, "dup_key", dup_key)
    assert plan is not None
    return plan


def _duplicate(con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, release_no: int, unique: bool) -> None:
    key = "o.series_no" if unique else "s.dup_key"
    join = "" if unique else f"join pw_series_{parsed.tag} s using (series_no)"
    fields = f"{key}, o.region_code, o.period_year, o.period_start_month, o.period_end_month"
    found = first(
        con.execute(
            f"""select min(o.file_row), max(o.file_row), any_value(o.series_no), count(*)
            from observation_values o {join} where o.release_no = ?
            group by {fields} having count(*) > 1 order by 2 limit 1""",
            [release_no],
        ).fetchall()
    )
    if found is None:
        return
    plan = parsed.plan(con, found[2])
    assert plan is not None
    raise ReleaseError(
        _cell_where(con, parsed, found[1], found[2]),
        f"duplicate row for {plan.label_raw} {plan.measure} (first at row {found[0]})",
        "one row per indicator, period and measure",
    )


def _deletions_name_loaded_figures(
    con: duckdb.DuckDBPyConnection, parsed: ParsedRelease, release_no: int
) -> None:
    if parsed.ctx.preview:
        return  # a scratch database holds no earlier release for a deletion to name
    row = first(
        con.execute(
            """select d.file_row, s.indicator_code, s.measure, d.region_code, d.period_year,
                   d.period_start_month, d.period_end_month
            from observation_values d join release_series s
              on s.release_no = d.release_no and s.series_no = d.series_no
            where d.release_no = ? and d.value_raw = 'ACTION=D'
              and not exists (
                select 1 from observations o
                where o.source_id = ? and o.indicator_code = s.indicator_code and o.measure = s.measure
                  and o.region_code = d.region_code and o.period_year = d.period_year
                  and o.period_start_month = d.period_start_month and o.period_end_month = d.period_end_month
                  and o.value_raw is distinct from 'ACTION=D')
            order by d.file_row limit 1""",
            [release_no, parsed.source.id],
        ).fetchall()
    )
    if row is None:
        return
    raise ReleaseError(
        Location(parsed.source.id, parsed.ctx.file_name, None, row[0], "ACTION"),
        f"ACTION=D withdraws {row[1]} {row[2]} {row[3]} {row[4]}-{row[5]:02d}..{row[6]:02d}, "
        "which this source never loaded",
        "a deletion of a figure loaded before (a withdrawal must name a loaded key)",
    )


def _reconciled(parsed: ParsedRelease, loaded: int) -> None:
    skipped = parsed.figures_skipped
    if parsed.figures_read != loaded + skipped:
        reasons = "; ".join(f"{s.reason}: {s.figures}" for s in parsed.skips) or "none"
        raise ReleaseError(
            Location(parsed.source.id, parsed.ctx.file_name),
            f"{parsed.figures_read} figures read but {loaded} loaded and {skipped} skipped ({reasons}): "
            f"{parsed.figures_read - loaded - skipped} unaccounted for",
            "every figure read loaded or skipped for a stated reason",
        )
