"""Compare a draft (from ``planwatch plan extract``) with a reviewed plan by where their quotes sit in the text.

Rows are paired when their quotes cover overlapping text of the plan (character spans, so a draft quote
that is a little longer or shorter than the reviewed one still pairs) and their values agree. Pairs whose
quotes overlap but whose value, comparator or unit differ are *changed*. Rows that cannot be paired by
span are paired as a fallback on section + value + unit when their quotes share some wording. What is
left is *new* (in the draft only) or *missing* (in the catalog only).
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from plancatalog.draft import format_number
from plancatalog.plantext import PlanInputError

logger = logging.getLogger(__name__)

COMPARED_FIELDS = ("value", "comparator", "unit", "kind")


@dataclass(slots=True)
class CatalogRow:
    """One target, from a draft or from the reviewed catalog, in the fields both have."""

    key: str  # target_id for the catalog, "draft:<line>" for a draft
    quote: str
    value: float | None
    unit: str
    comparator: str
    kind: str
    section_no: int | None
    span: tuple[int, int] | None = None


@dataclass(slots=True)
class DiffResult:
    matched: list[tuple[CatalogRow, CatalogRow]] = field(default_factory=list)  # (draft, catalog)
    changed: list[tuple[CatalogRow, CatalogRow, list[str]]] = field(default_factory=list)
    new: list[CatalogRow] = field(default_factory=list)
    missing: list[CatalogRow] = field(default_factory=list)
    # pairs found by the section+value fallback rather than by overlapping spans
    fallback: list[tuple[CatalogRow, CatalogRow]] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.changed or self.new or self.missing)


def _float(text: str, path: Path, line: int, column: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise PlanInputError(f"{path}: line {line}, column {column}: {text!r} is not a number") from exc


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(float(text)) if text else None


def _read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise PlanInputError(
                    f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}"
                )
            return list(reader)
    except FileNotFoundError as exc:
        raise PlanInputError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise PlanInputError(f"{path}: is not UTF-8; expected a UTF-8 CSV file") from exc


def load_draft(path: Path) -> list[CatalogRow]:
    rows = _read_csv(path, ("quote", "value", "unit", "comparator", "kind"))
    out = []
    for line, row in enumerate(rows, start=2):
        span = None
        if (row.get("span_start") or "").strip() and (row.get("span_end") or "").strip():
            span = (int(row["span_start"]), int(row["span_end"]))
        out.append(
            CatalogRow(
                key=f"draft:{line}",
                quote=row["quote"],
                value=_float(row["value"], path, line, "value"),
                unit=row["unit"],
                comparator=row["comparator"],
                kind=row["kind"],
                section_no=_int(row.get("section_no")),
                span=span,
            )
        )
    return out


def load_catalog(path: Path, plan_id: str | None = None) -> list[CatalogRow]:
    """The reviewed targets in plan_targets.csv, only those of ``plan_id`` when it is given."""
    rows = _read_csv(path, ("target_id", "quote", "target_value", "unit_raw", "comparator", "kind"))
    return [
        CatalogRow(
            key=row["target_id"],
            quote=row["quote"],
            value=_float(row["target_value"], path, line, "target_value"),
            unit=row["unit_raw"],
            comparator=row["comparator"],
            kind=row["kind"],
            section_no=_int(row.get("section_no")),
        )
        for line, row in enumerate(rows, start=2)
        if plan_id is None or row.get("plan_id") == plan_id
    ]


def locate_quotes(rows: Iterable[CatalogRow], plan_text: str) -> None:
    """Give rows without a span the span of their quote in the plan (in plan order for repeated quotes)."""
    cursor = 0
    for row in rows:
        if row.span is not None or not row.quote:
            continue
        pos = plan_text.find(row.quote, cursor)
        if pos < 0:
            pos = plan_text.find(row.quote)
        if pos < 0:
            logger.warning("%s: quote not found in the plan text: %s", row.key, row.quote)
            continue
        row.span = (pos, pos + len(row.quote))
        cursor = pos


def values_agree(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _overlap(a: CatalogRow, b: CatalogRow) -> int:
    if a.span is not None and b.span is not None:
        return max(0, min(a.span[1], b.span[1]) - max(a.span[0], b.span[0]))
    if a.span is None and b.span is None:
        match = SequenceMatcher(None, a.quote, b.quote, autojunk=False).find_longest_match()
        return match.size if match.size >= min(4, len(a.quote), len(b.quote)) else 0
    return 0


def _differences(draft: CatalogRow, catalog: CatalogRow) -> list[str]:
    diffs = []
    if not values_agree(draft.value, catalog.value):
        diffs.append(f"value: {_fmt(catalog.value)} -> {_fmt(draft.value)}")
    for name in ("comparator", "unit", "kind"):
        before, after = getattr(catalog, name), getattr(draft, name)
        if before != after:
            diffs.append(f"{name}: {before or '∅'} -> {after or '∅'}")
    return diffs


def _fmt(value: float | None) -> str:
    return "∅" if value is None else format_number(value)


def compare(draft: list[CatalogRow], catalog: list[CatalogRow], plan_text: str | None = None) -> DiffResult:
    """Pair draft rows with catalog rows one to one; see the module docstring for the rules."""
    if plan_text is not None:
        locate_quotes(catalog, plan_text)
    else:
        for row in (*draft, *catalog):
            row.span = None
    pairs = []
    for d in draft:
        for c in catalog:
            size = _overlap(d, c)
            if size:
                pairs.append((values_agree(d.value, c.value), size, d, c))
    pairs.sort(key=lambda p: (p[0], p[1]), reverse=True)
    used_d: set[int] = set()
    used_c: set[int] = set()
    result = DiffResult()
    for agree, _size, d, c in pairs:
        if id(d) in used_d or id(c) in used_c:
            continue
        used_d.add(id(d))
        used_c.add(id(c))
        diffs = _differences(d, c)
        if agree:
            result.matched.append((d, c))
        if diffs:
            result.changed.append((d, c, diffs))
    # Fallback: same section, value and unit, and some shared wording.
    left_d = [d for d in draft if id(d) not in used_d]
    left_c = [c for c in catalog if id(c) not in used_c]
    for d in left_d:
        for c in left_c:
            if id(c) in used_c or d.section_no != c.section_no or d.unit != c.unit:
                continue
            if not values_agree(d.value, c.value):
                continue
            shared = SequenceMatcher(None, d.quote, c.quote, autojunk=False).find_longest_match().size
            if shared >= 2:
                used_d.add(id(d))
                used_c.add(id(c))
                result.fallback.append((d, c))
                diffs = _differences(d, c)
                if diffs:
                    result.changed.append((d, c, diffs))
                break
    result.new = [d for d in draft if id(d) not in used_d]
    result.missing = [c for c in catalog if id(c) not in used_c]
    return result


def precision_recall(result: DiffResult, n_draft: int, n_catalog: int) -> tuple[float, float]:
    """Share of draft rows that match a catalog row (span overlap and equal values), and the converse."""
    hits = len(result.matched)
    precision = hits / n_draft if n_draft else 0.0
    recall = hits / n_catalog if n_catalog else 0.0
    return precision, recall


def render(result: DiffResult) -> str:
    """A plain-text report: one line per difference, then a summary."""
    lines = []
    for _d, c, diffs in result.changed:
        lines.append(f"changed  {c.key:<11} {c.quote}  [{'; '.join(diffs)}]")
    for d in result.new:
        lines.append(f"new      {d.key:<11} {d.quote}  [{_fmt(d.value)} {d.unit} {d.comparator} {d.kind}]")
    for c in result.missing:
        lines.append(f"missing  {c.key:<11} {c.quote}  [{_fmt(c.value)} {c.unit} {c.comparator} {c.kind}]")
    lines.append(
        f"{len(result.matched) + len(result.fallback)} paired ({len(result.fallback)} by value), "
        f"{len(result.changed)} changed, {len(result.new)} new, {len(result.missing)} missing"
    )
    return "\n".join(lines)
