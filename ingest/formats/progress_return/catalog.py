"""What a progress return is checked against: the plan catalog and the milestone states, read from the seeds.

    dbt_project/seeds/plans.csv                        plan id, year, title, adopted on
    dbt_project/seeds/plan_targets.csv                 each target: plan, bureau, kind, unit, target, due date
    dbt_project/seeds/bureaus.csv                      bureau code and Chinese name
    dbt_project/seeds/vocabulary/milestone_states.csv  state, label, stage order, share done, is done

The same files dbt loads as seeds, so ingest and the warehouse agree on which bureau owns a target and what
已投用 means. Read once per process and again when a file changes.
"""

from __future__ import annotations

import csv
import functools
import os
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.errors import ConfigError
from core.vocabulary import vocabulary_dir

# kinds whose 累计完成值 is the percentage itself (a decrease as the year-on-year change, negative for a fall)
PERCENT_KINDS = ("growth", "rate_held", "coverage", "decrease")
# kinds whose 累计完成值 is an amount accumulated since 1 January (or a stock): it does not fall unexplained
CUMULATIVE_KINDS = ("count", "level", "stock")
KIND_ZH = {
    "level": "总量(累计)",
    "count": "数量(累计新增)",
    "stock": "存量(期末数)",
    "growth": "增速(%)",
    "rate_held": "比率(%)",
    "coverage": "覆盖率(%)",
    "decrease": "降幅(同比%)",
    "milestone": "节点任务",
}


@dataclass(frozen=True)
class Target:
    plan_id: str
    target_id: str
    section: str
    quote: str
    kind: str
    comparator: str
    target_value: float | None
    unit_raw: str
    bureau: str
    due_date: date

    @property
    def is_milestone(self) -> bool:
        return self.kind == "milestone"

    @property
    def is_percent(self) -> bool:
        return self.kind in PERCENT_KINDS

    @property
    def unit_shown(self) -> str:
        """The unit 累计完成值 is written in: the target's unit, or % for growth, rates and decreases."""
        return "%" if self.is_percent else self.unit_raw

    @property
    def target_text(self) -> str:
        """The target as the template shows it: ≥ 450 亿元, 增长 6.5%, 节点任务."""
        if self.is_milestone or self.target_value is None:
            return "按期完成" if self.is_milestone else ""
        value = f"{self.target_value:g}"
        if self.kind == "decrease":
            return f"同比下降{value}%" if self.target_value else "同比下降"
        sign = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "", "~": "约"}.get(self.comparator, "")
        return f"{sign}{value}{self.unit_shown}"


@dataclass(frozen=True)
class Plan:
    plan_id: str
    year: int
    title_zh: str
    adopted_on: date


@dataclass(frozen=True)
class State:
    state: str
    label_zh: str
    stage_order: int
    is_done: bool
    description_zh: str


@dataclass(frozen=True)
class Catalog:
    plans: dict[str, Plan]
    targets: dict[str, Target]
    bureaus: dict[str, str]  # code -> 中文名
    states: dict[str, State]  # in stage order

    def targets_of(self, plan_id: str, bureau: str) -> list[Target]:
        return [t for t in self.targets.values() if t.plan_id == plan_id and t.bureau == bureau]

    def bureaus_of(self, plan_id: str) -> list[str]:
        return sorted({t.bureau for t in self.targets.values() if t.plan_id == plan_id})

    def plan_of_year(self, year: int) -> Plan | None:
        return next((p for p in self.plans.values() if p.year == year), None)

    def state_of(self, text: str) -> State | None:
        """A state written as its label (在建) or its code (under_construction)."""
        key = unicodedata.normalize("NFKC", text).strip()
        return self.states.get(key) or next((s for s in self.states.values() if s.label_zh == key), None)

    def bureau_named(self, text: str) -> str | None:
        """The bureau a file name names: its code or its Chinese name at the start (the longest match)."""
        name = unicodedata.normalize("NFKC", text).strip().lower()
        found = [c for c in self.bureaus if name.startswith(c)]
        found += [c for c, zh in self.bureaus.items() if name.startswith(zh)]
        return max(found, key=len) if found else None


def seeds_dir() -> Path:
    """dbt_project/seeds beside the vocabulary (PLANWATCH_HOME's copy, else this checkout)."""
    return vocabulary_dir().parent


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot be read as a UTF-8 CSV ({exc})") from exc


def load_catalog(directory: Path | None = None) -> Catalog:
    """The catalog from the seeds folder, cached until one of its files changes."""
    directory = directory or seeds_dir()
    files = (
        directory / "plans.csv",
        directory / "plan_targets.csv",
        directory / "bureaus.csv",
        directory / "vocabulary" / "milestone_states.csv",
    )
    stamps = tuple(os.stat(f).st_mtime_ns if f.exists() else 0 for f in files)
    return _load(files, stamps)


@functools.lru_cache(maxsize=4)
def _load(files: tuple[Path, ...], stamps: tuple[int, ...]) -> Catalog:
    plans_csv, targets_csv, bureaus_csv, states_csv = files
    try:
        plans = {
            r["plan_id"]: Plan(
                r["plan_id"], int(r["plan_year"]), r["title_zh"], date.fromisoformat(r["adopted_on"])
            )
            for r in _rows(plans_csv)
        }
        targets = {r["target_id"]: _target(r) for r in _rows(targets_csv)}
        states = {
            r["state"]: State(r["state"], r["label_zh"], int(r["stage_order"]), r["is_done"] == "true",
                              r["description_zh"])
            for r in sorted(_rows(states_csv), key=lambda r: int(r["stage_order"]))
        }  # fmt: skip
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"the plan catalog in {plans_csv.parent} cannot be read: {exc!r}") from exc
    bureaus = {r["bureau_code"]: r["name_zh"] for r in _rows(bureaus_csv)}
    return Catalog(plans, targets, bureaus, states)


def _target(r: dict[str, str]) -> Target:
    return Target(
        plan_id=r["plan_id"],
        target_id=r["target_id"],
        section=r["section"],
        quote=r["quote"],
        kind=r["kind"],
        comparator=r["comparator"],
        target_value=float(r["target_value"]) if r["target_value"] else None,
        unit_raw=r["unit_raw"],
        bureau=r["responsible_bureau"],
        due_date=date.fromisoformat(r["due_date"]),
    )
