"""`planwatch plan diff OLD NEW`: what a plan adds, drops and changes against another, matched by indicator.

Each side is a plan id in the catalog (plans.csv) or a draft CSV. Targets pair by indicator_code where
both sides have one, then by indicator name (indicators.name_zh in the catalog, indicator_name in a draft);
several targets of one indicator pair in text order. A pair is *changed* when its value, comparator,
unit, kind or band differ.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from plancatalog.catalog import Catalog
from plancatalog.plantext import PlanInputError

COMPARED = ("value", "comparator", "unit", "kind", "band")


@dataclass(frozen=True)
class Target:
    key: str  # target_id, or row N of a draft
    code: str
    name: str
    quote: str
    value: str
    comparator: str
    unit: str
    kind: str
    band: str

    def summary(self) -> str:
        return f"{self.value} {self.unit} {self.comparator} {self.kind}".replace("  ", " ").strip()


@dataclass
class PlanDiff:
    new: list[Target] = field(default_factory=list)
    dropped: list[Target] = field(default_factory=list)
    changed: list[tuple[Target, Target, list[str]]] = field(default_factory=list)
    same: int = 0


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() else f"{value:g}"


def load_side(spec: str, catalog: Catalog) -> tuple[str, list[Target]]:
    """A plan id from the catalog, or a draft CSV; PlanInputError if it is neither."""
    plan = catalog.plan(spec)
    if plan is not None:
        names = {code: row["name_zh"] for code, row in catalog.indicators.items()}
        return plan["title_zh"], [
            Target(
                t["target_id"],
                t["indicator_code"],
                names.get(t["indicator_code"], ""),
                t["quote"],
                _number(t["target_value"]),
                t["comparator"],
                t["unit_raw"],
                t["kind"],
                _number(t["band"]),
            )
            for t in catalog.plan_targets(spec)
        ]
    path = Path(spec)
    if not path.is_file():
        known = ", ".join(p["plan_id"] for p in catalog.plans)
        raise PlanInputError(f"{spec}: neither a plan id in plans.csv ({known}) nor a draft CSV file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except UnicodeDecodeError as exc:
        raise PlanInputError(f"{path}: is not UTF-8; expected a draft CSV") from exc
    needed = ("quote", "value", "unit", "comparator", "kind")
    if rows and any(c not in rows[0] for c in needed):
        raise PlanInputError(f"{path}: expected a draft CSV with columns {', '.join(needed)}")
    return str(path), [
        Target(
            f"row {n}",
            r.get("indicator_code", ""),
            r.get("indicator_name", ""),
            r["quote"],
            _number(r["value"]),
            r["comparator"],
            r["unit"],
            r["kind"],
            _number(r.get("band", "")),
        )
        for n, r in enumerate(rows, start=1)
    ]


def _pair_by(
    old: list[Target], new: list[Target], key: str
) -> tuple[list[tuple[Target, Target]], list[Target], list[Target]]:
    pending: dict[str, list[Target]] = defaultdict(list)
    for t in old:
        if getattr(t, key):
            pending[getattr(t, key)].append(t)
    pairs, left_new = [], []
    for t in new:
        bucket = pending.get(getattr(t, key)) if getattr(t, key) else None
        if bucket:
            pairs.append((bucket.pop(0), t))
        else:
            left_new.append(t)
    paired_old = {id(o) for o, _ in pairs}
    return pairs, [t for t in old if id(t) not in paired_old], left_new


def compare_plans(old: list[Target], new: list[Target]) -> PlanDiff:
    by_code, old_left, new_left = _pair_by(old, new, "code")
    by_name, old_left, new_left = _pair_by(old_left, new_left, "name")
    result = PlanDiff(new=new_left, dropped=old_left)
    for o, n in sorted(by_code + by_name, key=lambda p: new.index(p[1])):
        diffs = [
            f"{f}: {getattr(o, f) or '∅'} -> {getattr(n, f) or '∅'}"
            for f in COMPARED
            if getattr(o, f) != getattr(n, f)
        ]
        if diffs:
            result.changed.append((o, n, diffs))
        else:
            result.same += 1
    return result


def render(result: PlanDiff, old_label: str, new_label: str) -> str:
    lines = [f"{old_label} -> {new_label}"]
    for o, n, diffs in result.changed:
        lines.append(f"changed  {n.code or n.name:<28} {o.quote} -> {n.quote}  [{'; '.join(diffs)}]")
    for t in result.new:
        lines.append(f"new      {t.code or t.name:<28} {t.quote}  [{t.summary()}]")
    for t in result.dropped:
        lines.append(f"dropped  {t.code or t.name:<28} {t.quote}  [{t.summary()}]")
    lines.append(
        f"{result.same} unchanged, {len(result.changed)} changed, {len(result.new)} new, {len(result.dropped)} dropped"
    )
    return "\n".join(lines)
