"""Counts by status for the whole plan, each section and each bureau, and the share on track, as the
summary marts computed them (fct_plan_summary, fct_section_summary, fct_bureau_summary); plus the short
section names the workbook and the page use.

Share on track = (achieved + on track) / targets that can be judged now (dbt macro status_counts).
Targets "not yet assessable" (batches, milestones before their due date) and those with no data are left
out of the denominator, so a bureau is not marked down for figures nobody has published yet; both are still
counted and shown.

A bureau also has its 填报及时率 (progress returns on time / returns due, fct_bureau_summary) and, month by
month, whether each return was on time, late or missing (fct_return_timeliness).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from core.errors import ConfigError
from reporting.queries import CN_NUMERALS, ProgressSnapshot

log = logging.getLogger(__name__)

# statuses with no pace signal: nothing to compare with 序时 or the target yet
NOT_JUDGED = frozenset({"not_yet_assessable", "no_data"})
# listed first on the page (重点关注), worst first
NEEDS_ATTENTION = ("off_track", "at_risk")


class SectionNamesError(ConfigError):
    """reporting/sections.yml is not a mapping of plan id -> section number -> name."""


@dataclass
class Group:
    """One row of a summary mart: a plan, a section or a bureau at the as-of month."""

    key: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    judged: int = 0
    share_on_track: float | None = None
    # a bureau's progress returns from January to the as-of month (fct_bureau_summary)
    returns_due: int = 0
    returns_on_time: int = 0
    timeliness_rate: float | None = None
    return_exceptions: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def on_track(self) -> int:
        """Achieved and on track, the share's numerator (two of the mart's counts, for the words "7/12")."""
        return self.counts.get("achieved", 0) + self.counts.get("on_track", 0)


def _group(row: dict[str, Any], statuses: list[str], key: str, name: str) -> Group:
    return Group(
        key,
        name,
        {s: int(row.get(f"{s}_count") or 0) for s in statuses},
        int(row.get("assessed_count") or 0),
        row.get("on_track_share"),
    )


def numeral(section_no: int) -> str:
    if 1 <= section_no <= 10:
        return CN_NUMERALS[section_no - 1]
    return str(section_no)


def _configured_names(plan_id: str) -> dict[int, str]:
    text = resources.files("reporting").joinpath("sections.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise SectionNamesError("reporting/sections.yml: expected a mapping of plan id to sections")
    plan = data.get(plan_id) or {}
    if not isinstance(plan, dict) or not all(
        isinstance(k, int) and isinstance(v, str) and v.strip() for k, v in plan.items()
    ):
        raise SectionNamesError(f"reporting/sections.yml: {plan_id}: expected section number: name")
    return {k: v.strip() for k, v in plan.items()}


def section_names(snapshot: ProgressSnapshot) -> dict[int, str]:
    """section_no -> 一、经济运行 (configured name, else the words after 坚持 in the plan's heading)."""
    configured = _configured_names(snapshot.plan_id)
    numbers = sorted(
        {int(r["section_no"]) for r in snapshot.rows}
        | {int(r["section_no"]) for r in snapshot.section_summary}
    )
    out: dict[int, str] = {}
    for no in numbers:
        name = configured.get(no)
        if not name:
            heading = snapshot.section_headings.get(no, "")
            m = re.match(r"坚持(.+?)[,，、]", heading)
            name = m.group(1) if m else heading[:12]
        out[no] = f"{numeral(no)}、{name}" if name else numeral(no)
    return out


def _statuses(snapshot: ProgressSnapshot) -> list[str]:
    return [r["status"] for r in snapshot.status_rules]


def overall(snapshot: ProgressSnapshot) -> Group:
    return _group(snapshot.plan_summary, _statuses(snapshot), "all", "合计")


def by_section(snapshot: ProgressSnapshot) -> list[Group]:
    names = section_names(snapshot)
    return [
        _group(row, _statuses(snapshot), str(row["section_no"]), names[int(row["section_no"])])
        for row in snapshot.section_summary
    ]


def by_bureau(snapshot: ProgressSnapshot) -> list[Group]:
    """In the mart's ranking: share on track, those with nothing to judge yet last; with 填报及时率."""
    groups = []
    for row in snapshot.bureau_summary:
        group = _group(
            row, _statuses(snapshot), row["bureau_code"] or "", row.get("bureau_name_zh") or "未明确"
        )
        group.returns_due = int(row.get("returns_due_count") or 0)
        group.returns_on_time = int(row.get("returns_on_time_count") or 0)
        group.timeliness_rate = row.get("return_timeliness_rate")
        group.return_exceptions = row.get("return_exceptions_zh") or ""
        groups.append(group)
    return groups


@dataclass(frozen=True)
class TimelinessRow:
    """One bureau's progress returns month by month: (month, code, words) per month, and its rate."""

    bureau: str
    months: list[tuple[int, str, str]]
    rate: float | None


def timeliness_grid(snapshot: ProgressSnapshot) -> list[TimelinessRow]:
    """Each bureau's returns, January to the as-of month, in the bureau summary's order (fct_return_timeliness)."""
    cells: dict[str, list[tuple[int, str, str]]] = {}
    for r in snapshot.timeliness:
        words = r["timeliness_zh"] or r["timeliness"]
        if r["timeliness"] == "late" and r.get("late_working_days"):
            words = f"{words}{r['late_working_days']}日"
        cells.setdefault(r["bureau_code"], []).append((int(r["report_month_no"]), r["timeliness"], words))
    return [
        TimelinessRow(group.name, cells[group.key], group.timeliness_rate)
        for group in by_bureau(snapshot)
        if group.key in cells
    ]
