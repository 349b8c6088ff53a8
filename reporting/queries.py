"""The queries reports run against the serving warehouse (read-only)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)

PROGRESS_SQL = """
select
    p.target_id,
    p.plan_year,
    p.as_of_month,
    p.as_of_month_no,
    p.section_no,
    p.section,
    p.kind,
    p.direction,
    coalesce(i.name_zh, p.indicator_code) as indicator_name,
    t.quote,
    p.unit_label as unit_raw,  -- what people read: % where the plan wrote 全覆盖 or “双百”
    p.comparator,
    p.target_value,
    p.data_month_no,
    p.actual_value,
    p.completion_rate,
    p.time_benchmark,
    p.gap_pp,
    p.ytd_growth_pct,
    p.seasonal_benchmark,
    p.projected_year_end,
    p.pace_ratio,
    p.last_year_actual,
    p.anticipated_progress,
    p.required_monthly_run_rate,
    p.required_rest_of_year_growth_pct,
    p.responsible_bureau,
    coalesce(b.name_zh, p.responsible_bureau) as bureau_name,
    p.status,
    p.status_label_zh,
    p.status_colour,
    p.status_reason,
    p.release_date,
    p.source_id
from marts.fct_target_progress as p
left join reference.plan_targets as t using (target_id)
left join reference.indicators as i on p.indicator_code = i.indicator_code
left join reference.bureaus as b on p.responsible_bureau = b.bureau_code
where p.as_of_month = ?
order by p.section_no, p.target_id
"""

# Every earlier as-of month of the same plan year that had a figure: what the report knew at each month end.
TREND_SQL = """
select
    target_id,
    as_of_month,
    as_of_month_no,
    data_month_no,
    actual_value,
    completion_rate,
    time_benchmark,
    ytd_growth_pct,
    gap_pp,
    status,
    source_id,
    release_date
from marts.fct_target_progress
where as_of_month <= ?
  and plan_year = year(cast(? as date))
  and actual_value is not null
order by target_id, as_of_month
"""

SECTION_HEADING = re.compile(r"^\s*[(（]([一二三四五六七八九十]+)[)）]\s*(.+?)\s*$")
CN_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class ProgressSnapshot:
    as_of: date
    rows: list[dict[str, Any]]
    status_rules: list[dict[str, Any]]
    # target_id -> one point per earlier as-of month with a figure, oldest first
    trends: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # section_no -> the plan's heading for the section, e.g. 坚持稳中求进,更高质量推动经济运行总体向好
    section_headings: dict[int, str] = field(default_factory=dict)
    plan_title: str = ""

    def counts(self) -> dict[str, int]:
        out = {r["status"]: 0 for r in self.status_rules}
        for row in self.rows:
            out[row["status"]] = out.get(row["status"], 0) + 1
        return out

    @property
    def plan_year(self) -> int:
        return int(self.rows[0].get("plan_year") or self.as_of.year)

    @property
    def title(self) -> str:
        return self.plan_title or f"区人民政府{self.plan_year}年工作计划"


def latest_as_of(con: duckdb.DuckDBPyConnection) -> date:
    row = con.execute("select max(as_of_month) from marts.fct_target_progress").fetchone()
    if not row or row[0] is None:
        raise LookupError("the serving warehouse has no progress rows")
    return row[0]


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _plan_text(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[int, str]]:
    """The plan's title and section headings, from the plan text the warehouse keeps (if it does)."""
    if not _has_table(con, "reference", "plan_text_lines"):
        log.info("reference.plan_text_lines is absent: sections are named by number only")
        return "", {}
    lines = [
        r[0] for r in con.execute("select text from reference.plan_text_lines order by line_no").fetchall()
    ]
    title = next((line.strip() for line in lines if line and "工作计划" in line), "")
    headings: dict[int, str] = {}
    for line in lines:
        if m := SECTION_HEADING.match(line or ""):
            numeral = m.group(1)
            number = 10 if numeral == "十" else CN_NUMERALS.find(numeral) + 1
            if number > 0:
                headings.setdefault(number, m.group(2))
    return title, headings


def read_snapshot(serving_db: Path, as_of: date | None = None) -> ProgressSnapshot:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        as_of = as_of or latest_as_of(con)
        rows = _dicts(con.execute(PROGRESS_SQL, [as_of]))
        rules = _dicts(con.execute("select * from config.status_rules order by sort_order"))
        trends: dict[str, list[dict[str, Any]]] = {}
        for point in _dicts(con.execute(TREND_SQL, [as_of, as_of])):
            trends.setdefault(point["target_id"], []).append(point)
        title, headings = _plan_text(con)
    if not rows:
        raise LookupError(f"no progress rows for as-of month {as_of:%Y-%m} in {serving_db}")
    log.info(
        "read %d targets and %d trends for %s from %s", len(rows), len(trends), f"{as_of:%Y-%m}", serving_db
    )
    return ProgressSnapshot(as_of, rows, rules, trends, headings, title)
