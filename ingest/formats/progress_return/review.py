"""The planning office's decisions on returns (return_reviews), after DHIS2's data approval where it fits.

A return is pending (待审核) until a decision; the latest decision wins. The allowed moves:

    pending   -> accepted | sent_back     accept it, or send it back to the bureau with a reason
    accepted  -> reopened                 an accepted return is locked; reopening it needs a reason
    reopened  -> accepted | sent_back     decided again
    sent_back -> (none)                   the bureau sends a corrected file: a new return, pending

An accepted month is locked: a change comes as a new file for that month (a new sha256), pending until it
is accepted in turn; every accepted version stays (the warehouse keeps each as a vintage). DHIS2 approves
in levels (approve, then accept at the level above); a district's planning office is one level, so one
decision accepts. The same rules hold for decisions typed at `planwatch returns review` and for those
arriving in the office's exported review log (ingest/formats/return_review_log.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.errors import UsageError

if TYPE_CHECKING:
    import duckdb

DECISIONS = ("accepted", "sent_back", "reopened")
STATE_ZH = {"pending": "待审核", "accepted": "已接受", "sent_back": "已退回", "reopened": "已重新打开"}
ALLOWED = {
    "pending": ("accepted", "sent_back"),
    "accepted": ("reopened",),
    "reopened": ("accepted", "sent_back"),
    "sent_back": (),
}
NEEDS_REASON = ("sent_back", "reopened")

_RETURNS = """
with decided as (
    select sha256, arg_max(decision, (decided_at, review_id)) as state, max(decided_at) as decided_at
    from return_reviews group by sha256
)
select r.sha256, r.source_id, r.bureau_code, r.plan_id, r.period_year, r.period_month, r.submitted_at,
       r.row_count, coalesce(d.state, 'pending'), d.decided_at,
       row_number() over (partition by r.plan_id, r.bureau_code, r.period_year, r.period_month
                          order by r.submitted_at, r.loaded_at, r.sha256) as version
from progress_returns r left join decided d on d.sha256 = r.sha256
"""


@dataclass(frozen=True)
class ReturnRef:
    """A loaded return with its review state and its version (1 = the first file for that month)."""

    sha256: str
    source_id: str
    bureau_code: str
    plan_id: str
    year: int
    month: int
    submitted_at: datetime
    row_count: int
    state: str
    decided_at: datetime | None
    version: int


def loaded_returns(
    con: duckdb.DuckDBPyConnection, where: str = "", params: list[object] | None = None
) -> list[ReturnRef]:
    rows = con.execute(
        f"select * from ({_RETURNS}) {where} order by period_year, period_month, bureau_code, version",
        params or [],
    ).fetchall()
    return [ReturnRef(*r) for r in rows]


def find_return(con: duckdb.DuckDBPyConnection, sha: str) -> ReturnRef:
    """A loaded return by its sha256 or a unique prefix of at least 8 characters."""
    sha = sha.strip().lower()
    if len(sha) < 8:
        raise UsageError(f"{sha!r}: give the return's sha256 or at least its first 8 characters")
    found = loaded_returns(con, "where starts_with(sha256, ?)", [sha])
    if not found:
        raise UsageError(f"no loaded return {sha}… (see `planwatch returns review`)")
    if len(found) > 1:
        raise UsageError(f"{sha}… names {len(found)} returns: give more of it")
    return found[0]


def return_version(
    con: duckdb.DuckDBPyConnection, bureau: str, year: int, month: int, version: int | None
) -> ReturnRef | None:
    """The bureau's return for a month by version (None: the only one there is, else None)."""
    found = loaded_returns(
        con, "where bureau_code = ? and period_year = ? and period_month = ?", [bureau, year, month]
    )
    if version is None:
        return found[0] if len(found) == 1 else None
    return next((r for r in found if r.version == version), None)


def move_problem(state: str, decision: str, reason: str | None) -> str | None:
    """Why a decision may not be made on a return in this state, or None when it may."""
    if decision not in DECISIONS:
        return f"decision {decision!r} is not one of {', '.join(DECISIONS)}"
    if decision in NEEDS_REASON and not (reason or "").strip():
        return f"{decision} needs a reason (--reason)"
    if decision not in ALLOWED[state]:
        allowed = ", ".join(ALLOWED[state]) or "nothing: the bureau sends a corrected file, a new return"
        return f"the return is {state}; allowed: {allowed}"
    return None


def review_id(sha256: str, decision: str, reviewer: str, decided_at: datetime) -> str:
    """The same decision (return, decision, reviewer, time) has the same id wherever it was recorded, so a
    review log exported again with more rows adds only the new ones."""
    key = f"{sha256}|{decision}|{reviewer}|{decided_at.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def record(
    con: duckdb.DuckDBPyConnection,
    ref: ReturnRef,
    decision: str,
    reviewer: str,
    decided_at: datetime,
    reason: str | None,
) -> str:
    """Record one decision after checking it; returns its review_id. Raises UsageError naming the rule."""
    if not reviewer.strip():
        raise UsageError("a decision needs the reviewer's name (--reviewer)")
    if problem := move_problem(ref.state, decision, reason):
        raise UsageError(
            f"return {ref.sha256[:12]}… ({ref.bureau_code} {ref.year}-{ref.month:02d}): {problem}"
        )
    if decided_at < ref.submitted_at:
        raise UsageError(
            f"return {ref.sha256[:12]}…: decided at {decided_at} before it arrived ({ref.submitted_at})"
        )
    rid = review_id(ref.sha256, decision, reviewer, decided_at)
    con.execute(
        "insert into return_reviews values (?, ?, ?, ?, ?, ?)",
        [rid, ref.sha256, decision, reviewer.strip(), decided_at, (reason or "").strip() or None],
    )
    return rid
