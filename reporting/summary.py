"""Counts by status for the whole plan, each section and each bureau, and the share on track.

Share on track = (achieved + on track) / targets that can be judged now. Targets "not yet assessable"
(batches, milestones before their due date) and those with no data are left out of the denominator,
so a bureau is not marked down for figures nobody has published yet; both are still counted and shown.
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

ON_TRACK = frozenset({"achieved", "on_track"})
NOT_JUDGED = frozenset({"not_yet_assessable", "no_data"})
# listed first on the page (重点关注), worst first
NEEDS_ATTENTION = ("off_track", "at_risk")


class SectionNamesError(ConfigError):
    """reporting/sections.yml is not a mapping of plan year -> section number -> name."""


@dataclass
class Group:
    key: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def judged(self) -> int:
        return sum(n for status, n in self.counts.items() if status not in NOT_JUDGED)

    @property
    def on_track(self) -> int:
        return sum(n for status, n in self.counts.items() if status in ON_TRACK)

    @property
    def share_on_track(self) -> float | None:
        return self.on_track / self.judged if self.judged else None


def numeral(section_no: int) -> str:
    if 1 <= section_no <= 10:
        return CN_NUMERALS[section_no - 1]
    return str(section_no)


def _configured_names(plan_year: int) -> dict[int, str]:
    text = resources.files("reporting").joinpath("sections.yml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise SectionNamesError("reporting/sections.yml: expected a mapping of plan year to sections")
    year = data.get(plan_year) or {}
    if not isinstance(year, dict) or not all(
        isinstance(k, int) and isinstance(v, str) and v.strip() for k, v in year.items()
    ):
        raise SectionNamesError(f"reporting/sections.yml: {plan_year}: expected section number: name")
    return {k: v.strip() for k, v in year.items()}


def section_names(snapshot: ProgressSnapshot) -> dict[int, str]:
    """section_no -> 一、经济运行 (configured name, else the words after 坚持 in the plan's heading)."""
    configured = _configured_names(snapshot.plan_year)
    out: dict[int, str] = {}
    for row in snapshot.rows:
        no = int(row["section_no"])
        if no in out:
            continue
        name = configured.get(no)
        if not name:
            heading = snapshot.section_headings.get(no, "")
            m = re.match(r"坚持(.+?)[,,、]", heading)
            name = m.group(1) if m else heading[:12]
        out[no] = f"{numeral(no)}、{name}" if name else numeral(no)
    return out


def _group(rows: list[dict[str, Any]], statuses: list[str], key: str, name: str) -> Group:
    group = Group(key, name, {s: 0 for s in statuses})
    for row in rows:
        group.counts[row["status"]] = group.counts.get(row["status"], 0) + 1
    return group


def overall(snapshot: ProgressSnapshot) -> Group:
    statuses = [r["status"] for r in snapshot.status_rules]
    return _group(snapshot.rows, statuses, "all", "合计")


def by_section(snapshot: ProgressSnapshot) -> list[Group]:
    statuses = [r["status"] for r in snapshot.status_rules]
    names = section_names(snapshot)
    out = []
    for no in sorted(names):
        rows = [r for r in snapshot.rows if int(r["section_no"]) == no]
        out.append(_group(rows, statuses, str(no), names[no]))
    return out


def by_bureau(snapshot: ProgressSnapshot) -> list[Group]:
    """Bureaus ranked by share on track (those with nothing to judge yet last), then by number of targets."""
    statuses = [r["status"] for r in snapshot.status_rules]
    keys: dict[str, str] = {}
    for row in snapshot.rows:
        keys.setdefault(row["responsible_bureau"] or "", row["bureau_name"] or "未明确")
    groups = [
        _group([r for r in snapshot.rows if (r["responsible_bureau"] or "") == key], statuses, key, name)
        for key, name in keys.items()
    ]
    groups.sort(key=lambda g: (g.share_on_track is None, -(g.share_on_track or 0.0), -g.total, g.name))
    return groups
