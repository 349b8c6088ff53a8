"""The queries reports run against the serving warehouse (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

PROGRESS_SQL = """
select
    p.target_id,
    p.section_no,
    p.section,
    coalesce(i.name_zh, p.indicator_code) as indicator_name,
    t.quote,
    p.unit_raw,
    p.comparator,
    p.target_value,
    p.data_month_no,
    p.actual_value,
    p.completion_rate,
    p.time_benchmark,
    p.gap_pp,
    p.ytd_growth_pct,
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


@dataclass(frozen=True)
class ProgressSnapshot:
    as_of: date
    rows: list[dict[str, Any]]
    status_rules: list[dict[str, Any]]

    def counts(self) -> dict[str, int]:
        out = {r["status"]: 0 for r in self.status_rules}
        for row in self.rows:
            out[row["status"]] = out.get(row["status"], 0) + 1
        return out


def latest_as_of(con: duckdb.DuckDBPyConnection) -> date:
    row = con.execute("select max(as_of_month) from marts.fct_target_progress").fetchone()
    if not row or row[0] is None:
        raise LookupError("the serving warehouse has no progress rows")
    return row[0]


def read_snapshot(serving_db: Path, as_of: date | None = None) -> ProgressSnapshot:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        as_of = as_of or latest_as_of(con)
        cur = con.execute(PROGRESS_SQL, [as_of])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        cur = con.execute("select * from config.status_rules order by sort_order")
        names = [d[0] for d in cur.description]
        rules = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if not rows:
        raise LookupError(f"no progress rows for as-of month {as_of:%Y-%m} in {serving_db}")
    return ProgressSnapshot(as_of, rows, rules)
