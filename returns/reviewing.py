"""The planning office's review at the command line (`planwatch returns review`): the returns awaiting a
decision, and decisions recorded with who, when and why.

Decisions go into return_reviews in the raw file under its writer lock (raw_store.connect), like every
writer; the rules are the format's (ingest/formats/progress_return/review.py): an accepted month is locked,
a change comes as a new file, reopening or sending back needs a reason. The night's build then counts
accepted figures only (or pending ones marked unreviewed, with returns_show_unreviewed = 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ingest import raw_store
from ingest.formats.progress_return.catalog import load_catalog
from ingest.formats.progress_return.review import STATE_ZH, ReturnRef, find_return, loaded_returns, record
from returns.calendar import load_calendar

if TYPE_CHECKING:
    import duckdb

    from core.settings import Settings

_CHANGES = """
select count(*) filter (where a.target_id is null
                              or n.cumulative_value is distinct from a.cumulative_value
                              or n.milestone_state is distinct from a.milestone_state
                              or n.next_stage is distinct from a.next_stage
                              or n.next_stage_date is distinct from a.next_stage_date),
       list(n.target_id order by n.file_row) filter (where a.target_id is null
                              or n.cumulative_value is distinct from a.cumulative_value
                              or n.milestone_state is distinct from a.milestone_state)
from progress_return_rows n left join progress_return_rows a on a.sha256 = ? and a.target_id = n.target_id
where n.sha256 = ?
"""


@dataclass(frozen=True)
class Awaiting:
    ref: ReturnRef
    bureau_zh: str
    late_working_days: int
    changes: str  # 首次报送, or what changed since the accepted version of the same month


def awaiting(con: duckdb.DuckDBPyConnection) -> list[Awaiting]:
    """Returns awaiting a decision (pending, or reopened), oldest month first, with lateness and changes."""
    catalog = load_catalog()
    calendar = load_calendar()
    refs = loaded_returns(con)
    accepted = {(r.plan_id, r.bureau_code, r.year, r.month): r for r in refs if r.state == "accepted"}
    out = []
    for ref in refs:
        if ref.state not in ("pending", "reopened"):
            continue
        submitted = ref.submitted_at.astimezone(_local()).date()
        late = calendar.late_working_days(submitted, ref.year, ref.month)
        before = accepted.get((ref.plan_id, ref.bureau_code, ref.year, ref.month))
        out.append(
            Awaiting(
                ref, catalog.bureaus.get(ref.bureau_code, ref.bureau_code), late, _changes(con, ref, before)
            )
        )
    return out


def _local():  # noqa: ANN202 (a tzinfo)
    from ingest.formats.progress_return.history import DISTRICT_TIMEZONE

    return DISTRICT_TIMEZONE


def _changes(con: duckdb.DuckDBPyConnection, ref: ReturnRef, before: ReturnRef | None) -> str:
    if before is None or before.sha256 == ref.sha256:
        return "首次报送" if ref.version == 1 else f"第{ref.version}版（此前无已接受版本）"
    rows = con.execute(_CHANGES, [before.sha256, ref.sha256]).fetchall()
    n, targets = rows[0] if rows else (0, [])
    shown = "、".join((targets or [])[:5]) + ("等" if len(targets or []) > 5 else "")
    return f"较已接受的第{before.version}版有{n}项变化" + (f"（{shown}）" if n else "")


def listing(settings: Settings) -> str:
    """The table `planwatch returns review` prints."""
    with raw_store.connect(settings.raw_db, "planwatch returns review") as con:
        rows = awaiting(con)
    if not rows:
        return "没有待审核的进展填报。"
    lines = [f"待审核的进展填报（{len(rows)}份）：",
             f"  {'文件sha256':14}{'单位':14}{'月份':9}{'版本':5}{'报送日期':12}{'及时性':10}{'行数':5}与已接受版本相比"]  # fmt: skip
    for a in rows:
        r = a.ref
        timely = "按时" if a.late_working_days == 0 else f"逾期{a.late_working_days}个工作日"
        state = "" if r.state == "pending" else f"（{STATE_ZH[r.state]}）"
        lines.append(
            f"  {r.sha256[:12]:14}{a.bureau_zh:14}{r.year}-{r.month:02d}  {r.version:<5}"
            f"{r.submitted_at.astimezone(_local()):%Y-%m-%d}  {timely:10}{r.row_count:<5}{a.changes}{state}"
        )
    lines.append(
        "记录决定：--accept SHA | --send-back SHA --reason 理由 | --reopen SHA --reason 理由，并给出 --reviewer 姓名"
    )
    return "\n".join(lines)


def decide(settings: Settings, sha: str, decision: str, reviewer: str, reason: str | None) -> str:
    """Record one decision now; returns the line the command prints."""
    with raw_store.connect(settings.raw_db, f"planwatch returns review ({decision})") as con:
        ref = find_return(con, sha)
        record(con, ref, decision, reviewer, datetime.now(UTC), reason)
    bureau = load_catalog().bureaus.get(ref.bureau_code, ref.bureau_code)
    return (
        f"{bureau} {ref.year}年{ref.month}月 第{ref.version}版（{ref.sha256[:12]}）：{STATE_ZH[decision]}"
        f"，审核人 {reviewer}" + (f"，理由：{reason}" if reason else "")
    )
