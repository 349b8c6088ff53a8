"""A checked return written into the raw tables of the contract, after the checks against earlier returns.

The tables are the contract between returns ingest and the warehouse (dbt_project/models/staging/ingest);
they are created with the raw layer's on every connect. A return is loaded inside its release's
transaction (raw_store.load_release): its progress_returns row and one progress_return_rows row per
target. Before that, each figure is compared with what the bureau last reported for an earlier month of
the same plan (its latest return for that month not sent back or reopened):

- a cumulative amount (counts, amounts, stocks) does not fall unless the row's 说明 says why;
- a milestone does not move back along stage_order unless the row's 说明 says why.

A failure rejects the whole file, like any check, with every row that failed. Reprocessing the same file
(`sources reprocess`) replaces its rows: they are keyed by its sha256, as are the office's decisions on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.errors import Location
from ingest.errors import Finding, ReleaseError
from ingest.formats.base import RecordLoad, RecordsWritten
from ingest.formats.progress_return import layout as L
from ingest.formats.progress_return.catalog import CUMULATIVE_KINDS, Catalog, load_catalog
from ingest.formats.progress_return.messages import finding
from ingest.formats.progress_return.model import ReturnRecords
from ingest.raw_store import insert_values

if TYPE_CHECKING:
    import duckdb

# a date written in a return is a day in the district's time zone (as landing dates releases)
DISTRICT_TIMEZONE = ZoneInfo("Asia/Shanghai")

DDL = """
create table if not exists progress_returns (
    source_id varchar not null,
    sha256 varchar not null,
    bureau_code varchar not null,
    plan_id varchar not null,
    period_year integer not null,
    period_month integer not null,
    submitted_at timestamptz not null,
    reporter varchar,
    phone varchar,
    row_count integer not null,
    load_id varchar not null,
    loaded_at timestamptz not null,
    primary key (source_id, sha256)
);
create table if not exists progress_return_rows (
    sha256 varchar not null,
    target_id varchar not null,
    file_row integer not null,
    cumulative_value double,
    milestone_state varchar,
    next_stage varchar,
    next_stage_date date,
    progress_text varchar,
    evidence_ref varchar,
    note varchar,
    primary key (sha256, target_id)
);
create table if not exists return_reviews (
    review_id varchar primary key,
    sha256 varchar not null,
    decision varchar not null,
    reviewer varchar not null,
    decided_at timestamptz not null,
    reason varchar
);
"""

# per target, what the bureau last reported for an earlier month of the plan, in a return that still stands
_EARLIER = """
with decided as (
    select sha256, arg_max(decision, (decided_at, review_id)) as latest from return_reviews group by sha256
),
standing as (
    select r.sha256, r.period_year * 12 + r.period_month as month_no, r.submitted_at, r.loaded_at
    from progress_returns r left join decided d on d.sha256 = r.sha256
    where r.bureau_code = ? and r.plan_id = ? and r.period_year * 12 + r.period_month < ? and r.sha256 <> ?
      and coalesce(d.latest, 'pending') in ('pending', 'accepted')
)
select x.target_id,
       arg_max(x.cumulative_value, (s.month_no, s.submitted_at, s.loaded_at))
           filter (where x.cumulative_value is not null),
       arg_max(s.month_no, (s.month_no, s.submitted_at, s.loaded_at)) filter (where x.cumulative_value is not null),
       arg_max(x.milestone_state, (s.month_no, s.submitted_at, s.loaded_at)) filter (where x.milestone_state is not null),
       arg_max(s.month_no, (s.month_no, s.submitted_at, s.loaded_at)) filter (where x.milestone_state is not null)
from progress_return_rows x join standing s on s.sha256 = x.sha256
group by x.target_id
"""


@dataclass(frozen=True)
class Earlier:
    value: float | None
    value_month: int | None  # year * 12 + month
    state: str | None
    state_month: int | None


def earlier_reports(
    con: duckdb.DuckDBPyConnection, records: ReturnRecords, sha256: str
) -> dict[str, Earlier]:
    month_no = records.year * 12 + records.month
    rows = con.execute(_EARLIER, [records.bureau_code, records.plan_id, month_no, sha256]).fetchall()
    return {r[0]: Earlier(*r[1:]) for r in rows}


def _month_zh(month_no: int | None) -> str:
    if month_no is None:
        return "上月"
    year, month = divmod(month_no - 1, 12)
    return f"{year}年{month + 1}月"


def history_findings(records: ReturnRecords, earlier: dict[str, Earlier], catalog: Catalog) -> list[Finding]:
    """Rows that fall or move back against the bureau's earlier returns without a 说明."""
    out: list[Finding] = []
    for row in records.rows:
        before = earlier.get(row.target_id)
        if before is None or row.note:
            continue
        target = catalog.targets[row.target_id]
        where: dict[str, Any] = {"sheet": L.SHEET, "row": row.file_row}
        if (
            target.kind in CUMULATIVE_KINDS
            and row.cumulative_value is not None
            and before.value is not None
            and row.cumulative_value < before.value
        ):
            out.append(finding("cumulative_fell", column=L.letter("cumulative_value"), header="累计完成值",
                               value=row.cumulative_value, previous=before.value,
                               previous_month=_month_zh(before.value_month), **where))  # fmt: skip
        now = catalog.states.get(row.milestone_state or "")
        was = catalog.states.get(before.state or "")
        if now is not None and was is not None and now.stage_order < was.stage_order:
            out.append(finding("milestone_backward", column=L.letter("milestone_state"), header="里程碑状态",
                               state=now.state, previous=was.state, state_zh=now.label_zh, previous_zh=was.label_zh,
                               previous_month=_month_zh(before.state_month), **where))  # fmt: skip
    return out


def load(con: duckdb.DuckDBPyConnection, records: ReturnRecords, job: RecordLoad) -> RecordsWritten:
    """Check the return against the bureau's earlier returns, then write it (the caller's transaction)."""
    catalog = load_catalog()
    found = history_findings(records, earlier_reports(con, records, job.sha256), catalog)
    if found:
        first = found[0]
        where = Location(job.source.id, job.ctx.file_name, first.sheet, first.row, first.column)
        problem = (
            first.problem if len(found) == 1 else f"{first.problem} (and {len(found) - 1} more problems)"
        )
        extra = {"bureau_zh": catalog.bureaus.get(records.bureau_code, records.bureau_code),
                 "month_zh": f"{records.year}年{records.month}月"}  # fmt: skip
        raise ReleaseError(
            where, problem, "a return consistent with the bureau's earlier returns", extra, tuple(found)
        )
    submitted = (
        datetime.combine(records.submitted_on, time(), DISTRICT_TIMEZONE)
        if records.submitted_on
        else job.fetched_at
    )
    con.execute("delete from progress_return_rows where sha256 = ?", [job.sha256])  # a reprocessed file
    con.execute(
        "delete from progress_returns where source_id = ? and sha256 = ?", [job.source.id, job.sha256]
    )
    con.execute(
        "insert into progress_returns values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [job.source.id, job.sha256, records.bureau_code, records.plan_id, records.year, records.month, submitted,
         records.reporter, records.phone, len(records.rows), job.load_id, job.loaded_at],
    )  # fmt: skip
    insert_values(
        con,
        "progress_return_rows",
        [[job.sha256, r.target_id, r.file_row, r.cumulative_value, r.milestone_state, r.next_stage,
          r.next_stage_date, r.progress_text, r.evidence_ref, r.note] for r in records.rows],
    )  # fmt: skip
    return RecordsWritten(len(records.rows))
