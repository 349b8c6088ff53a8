"""The queries reports run against the serving warehouse (read-only), for one plan and one as-of month.

Every figure, count and share comes from a mart: fct_target_progress (each target, where its figure comes
from, and the bureau's own words), fct_plan_summary, fct_section_summary and fct_bureau_summary (counts by
status, the share on track, 填报及时率), fct_status_changes (what moved since last month),
fct_return_timeliness (each bureau's return for each month), dim_plans (which plan), dim_sources (each
source's Chinese title). Nothing here aggregates target rows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from core.errors import DataError, UsageError

log = logging.getLogger(__name__)

PROGRESS_SQL = """
select
    p.target_id,
    p.plan_id,
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
    p.data_period_label_zh,
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
    p.required_remaining_rate_pct,
    p.responsible_bureau,
    coalesce(b.name_zh, p.responsible_bureau) as bureau_name,
    p.status,
    p.status_label_zh,
    p.status_colour,
    p.status_reason,
    p.release_date,
    p.source_id,
    p.figure_source,
    p.figure_source_zh,
    p.is_unreviewed,
    p.benchmark_kind,
    p.benchmark_label_zh,
    p.return_report_month,
    p.return_accepted_by,
    p.return_progress_text,
    p.milestone_stage_zh,
    p.next_stage_zh,
    p.next_stage_date
from marts.fct_target_progress as p
left join reference.plan_targets as t using (target_id)
left join reference.indicators as i on p.indicator_code = i.indicator_code
left join reference.bureaus as b on p.responsible_bureau = b.bureau_code
where p.plan_id = ? and p.as_of_month = ?
order by p.section_no, p.target_id
"""

# Every earlier as-of month of the same plan and year that had a figure: what was known at each month end.
TREND_SQL = """
select
    target_id, as_of_month, as_of_month_no, data_month_no, actual_value, completion_rate, time_benchmark,
    ytd_growth_pct, gap_pp, status, source_id, release_date
from marts.fct_target_progress
where plan_id = ? and as_of_month <= ? and year(as_of_month) = year(cast(? as date))
  and actual_value is not null
order by target_id, as_of_month
"""

PLAN_SUMMARY_SQL = "select * from marts.fct_plan_summary where plan_id = ? and as_of_month = ?"
SECTION_SUMMARY_SQL = (
    "select * from marts.fct_section_summary where plan_id = ? and as_of_month = ? order by section_no"
)
# ranked by share on track (those with nothing to judge yet last), then by number of targets
BUREAU_SUMMARY_SQL = """
select * from marts.fct_bureau_summary where plan_id = ? and as_of_month = ?
order by on_track_share desc nulls last, target_count desc, bureau_name_zh
"""
CHANGES_SQL = """
select c.*, coalesce(b.name_zh, c.responsible_bureau) as bureau_name
from marts.fct_status_changes as c
left join reference.bureaus as b on c.responsible_bureau = b.bureau_code
where c.plan_id = ? and c.as_of_month = ?
order by case c.change_direction when 'worse' then 0 when 'now_assessed' then 1 when 'better' then 2 else 3 end,
    c.section_no, c.target_id
"""

# each bureau's return for each month of the plan up to the as-of month (a publish from before returns
# existed has no such mart: the report then has no timeliness section)
TIMELINESS_SQL = """
select bureau_code, bureau_name_zh, report_month_no, timeliness, timeliness_zh, late_working_days
from marts.fct_return_timeliness
where plan_id = ? and report_month <= ?
order by bureau_code, report_month_no
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
    plan_id: str = ""
    # the summary marts' rows for this plan and month: the plan as a whole, its sections, its bureaus
    plan_summary: dict[str, Any] = field(default_factory=dict)
    section_summary: list[dict[str, Any]] = field(default_factory=list)
    bureau_summary: list[dict[str, Any]] = field(default_factory=list)
    # targets whose status moved since the previous as-of month (fct_status_changes)
    changes: list[dict[str, Any]] = field(default_factory=list)
    # source_id -> the source's Chinese title (marts.dim_sources)
    source_titles: dict[str, str] = field(default_factory=dict)
    # fct_return_timeliness rows: each bureau's progress return for each month up to the as-of month
    timeliness: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Targets by status, as fct_plan_summary counts them."""
        return {
            r["status"]: int(self.plan_summary.get(f"{r['status']}_count") or 0) for r in self.status_rules
        }

    @property
    def plan_year(self) -> int:
        return int(self.rows[0].get("plan_year") or self.as_of.year)

    @property
    def title(self) -> str:
        return self.plan_title or f"区人民政府{self.plan_year}年工作计划"

    def source_title(self, source_id: str | None) -> str:
        return self.source_titles.get(source_id or "", source_id or "")


def latest_as_of(con: duckdb.DuckDBPyConnection, plan_id: str | None = None) -> date:
    sql = "select max(as_of_month) from marts.fct_target_progress"
    row = (
        con.execute(sql + " where plan_id = ?", [plan_id]).fetchone()
        if plan_id
        else con.execute(sql).fetchone()
    )
    if not row or row[0] is None:
        raise DataError(
            f"the serving warehouse has no progress rows{f' for plan {plan_id}' if plan_id else ''}"
        )
    return row[0]


def resolve_plan(con: duckdb.DuckDBPyConnection, plan_id: str | None, as_of: date) -> str:
    """The plan to report on: the one asked for, or the only plan with figures as of that month."""
    rows = con.execute(
        "select distinct plan_id from marts.fct_target_progress where as_of_month = ? order by 1", [as_of]
    ).fetchall()
    plans = [r[0] for r in rows]
    if plan_id is not None:
        if plan_id not in plans:
            raise UsageError(
                f"plan {plan_id!r} has no progress as of {as_of:%Y-%m} (plans with progress then: "
                f"{', '.join(plans) or 'none'})"
            )
        return plan_id
    if len(plans) != 1:
        raise UsageError(
            f"{len(plans)} plans have progress as of {as_of:%Y-%m} ({', '.join(plans) or 'none'}): "
            "say which with --plan"
        )
    return str(plans[0])


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _plan_text(con: duckdb.DuckDBPyConnection, plan_id: str) -> tuple[str, dict[int, str]]:
    """The plan's title and section headings, from the plan text and dim_plans."""
    lines = [
        r[0]
        for r in con.execute(
            "select text from reference.plan_text_lines where plan_id = ? order by line_no", [plan_id]
        ).fetchall()
    ]
    row = con.execute("select title_zh from marts.dim_plans where plan_id = ?", [plan_id]).fetchone()
    title = row[0] if row and row[0] else next((line.strip() for line in lines if "计划" in (line or "")), "")
    headings: dict[int, str] = {}
    for line in lines:
        if m := SECTION_HEADING.match(line or ""):
            numeral = m.group(1)
            number = 10 if numeral == "十" else CN_NUMERALS.find(numeral) + 1
            if number > 0:
                headings.setdefault(number, m.group(2))
    return title, headings


def _has_mart(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def source_titles(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """source_id -> Chinese title, from marts.dim_sources.

    A publish from before the warehouse served the titles has no dim_sources: that costs only the titles
    (the ids are shown instead, with a warning), never the report.
    """
    if not _has_mart(con, "dim_sources"):
        log.warning("the serving warehouse has no marts.dim_sources: showing source ids instead of titles")
        return {}
    return dict(con.execute("select source_id, title_zh from marts.dim_sources").fetchall())


def _timeliness(con: duckdb.DuckDBPyConnection, plan_id: str, as_of: date) -> list[dict[str, Any]]:
    if not _has_mart(con, "fct_return_timeliness"):
        return []
    return _dicts(con.execute(TIMELINESS_SQL, [plan_id, as_of]))


def read_snapshot(
    serving_db: Path, as_of: date | None = None, plan_id: str | None = None
) -> ProgressSnapshot:
    from publishing.readers import open_serving

    with open_serving(serving_db) as con:
        as_of = as_of or latest_as_of(con, plan_id)
        plan_id = resolve_plan(con, plan_id, as_of)
        key = [plan_id, as_of]
        rows = _dicts(con.execute(PROGRESS_SQL, key))
        rules = _dicts(con.execute("select * from config.status_rules order by sort_order"))
        trends: dict[str, list[dict[str, Any]]] = {}
        for point in _dicts(con.execute(TREND_SQL, [plan_id, as_of, as_of])):
            trends.setdefault(point["target_id"], []).append(point)
        overall = _dicts(con.execute(PLAN_SUMMARY_SQL, key))
        sections = _dicts(con.execute(SECTION_SUMMARY_SQL, key))
        bureaus = _dicts(con.execute(BUREAU_SUMMARY_SQL, key))
        changes = _dicts(con.execute(CHANGES_SQL, key))
        timeliness = _timeliness(con, plan_id, as_of)
        title, headings = _plan_text(con, plan_id)
        titles = source_titles(con)
    log.info("read %d targets of %s as of %s from %s", len(rows), plan_id, f"{as_of:%Y-%m}", serving_db)
    return ProgressSnapshot(
        as_of,
        rows,
        rules,
        trends,
        headings,
        title,
        plan_id,
        overall[0] if overall else {},
        sections,
        bureaus,
        changes,
        titles,
        timeliness,
    )
