"""`planwatch plan add`: check a reviewed draft and turn it into catalog rows.

A draft passes when every row quotes the plan word for word, has an indicator and a responsible bureau,
a unit the vocabulary knows, and a kind, comparator, frequency and measure the warehouse accepts. Each
problem is one line naming the row and the field. Nothing is written unless there are none.

Target ids: a row may carry its own id; empty ids become ``<plan_id>-NNN`` in row order (district_2025-001).
Ids are unique across the catalog and never renumbered (the 2024 plan keeps T2024-001…).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.vocabulary import UnknownUnit, vocabulary
from plancatalog.catalog import (
    COMPARATORS,
    FREQUENCIES,
    MEASURES,
    PLAN_KINDS,
    TARGET_KINDS,
    Catalog,
)
from plancatalog.draft import EXTRACTED_COLUMNS, REVIEW_COLUMNS
from plancatalog.plantext import PlanInputError

REQUIRED_COLUMNS = (
    tuple(c for c in EXTRACTED_COLUMNS if not c.startswith(("span_", "unit_"))) + REVIEW_COLUMNS
)
_CODE = re.compile(r"[a-z][a-z0-9_]*")
_TARGET_ID = re.compile(r"[A-Za-z0-9_]+-\d{3,}")
_NO_UNIT_KINDS = ("milestone", "coverage", "rate_held", "decrease", "growth", "level")


@dataclass(frozen=True)
class PlanMeta:
    plan_id: str
    jurisdiction_code: str
    jurisdiction_name_zh: str
    region_code: str
    plan_year: int
    kind: str
    title_zh: str
    text_file: str  # relative to the project folder
    adopted_on: str


@dataclass(frozen=True)
class Problem:
    row: int | None  # 1 = the first row after the header; None for the plan as a whole
    field: str
    message: str

    def describe(self, draft: Path) -> str:
        where = f"row {self.row}" if self.row is not None else "plan"
        return f"{draft}: {where}, {self.field}: {self.message}"


def read_draft(path: Path) -> list[dict[str, str]]:
    """The reviewed draft's rows, or PlanInputError naming the file and the missing columns."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise PlanInputError(
                    f"{path}: missing column(s) {', '.join(missing)}; write the draft with `planwatch plan extract`"
                )
            return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except FileNotFoundError as exc:
        raise PlanInputError(
            f"{path}: no such file; expected a draft CSV from `planwatch plan extract`"
        ) from exc
    except UnicodeDecodeError as exc:
        raise PlanInputError(f"{path}: is not UTF-8; expected the draft CSV as UTF-8") from exc


def check_plan(meta: PlanMeta, catalog: Catalog) -> list[Problem]:
    problems = []
    if not _CODE.fullmatch(meta.plan_id):
        problems.append(
            Problem(None, "plan_id", f"{meta.plan_id!r}: expected lower_snake, e.g. district_2025")
        )
    if catalog.plan(meta.plan_id):
        problems.append(
            Problem(None, "plan_id", f"{meta.plan_id} is already in plans.csv; plans are added once")
        )
    if meta.kind not in PLAN_KINDS:
        problems.append(Problem(None, "kind", f"{meta.kind!r}: expected one of {', '.join(PLAN_KINDS)}"))
    if not 1990 <= meta.plan_year <= 2100:
        problems.append(Problem(None, "year", f"{meta.plan_year}: expected a year such as 2025"))
    if not _is_date(meta.adopted_on):
        problems.append(Problem(None, "adopted_on", f"{meta.adopted_on!r}: expected YYYY-MM-DD"))
    for name in ("jurisdiction_code", "region_code"):
        if not _CODE.fullmatch(getattr(meta, name)):
            problems.append(Problem(None, name, f"{getattr(meta, name)!r}: expected lower_snake"))
    return problems


def check_rows(rows: list[dict[str, str]], text: str, meta: PlanMeta, catalog: Catalog) -> list[Problem]:
    """Every problem of every row (see the module docstring); an empty list means the draft can be added."""
    problems: list[Problem] = []
    ids = assign_ids(rows, meta.plan_id)
    taken = {t["target_id"] for t in catalog.targets}
    seen: set[str] = set()
    new_indicators: dict[str, tuple[str, str]] = {}
    for n, (row, target_id) in enumerate(zip(rows, ids, strict=True), start=1):
        found = _row_problems(row, text, meta, catalog)
        if not _TARGET_ID.fullmatch(target_id):
            found.append(("target_id", f"{target_id!r}: expected <plan>-NNN, e.g. {meta.plan_id}-001"))
        elif target_id in taken or target_id in seen:
            found.append(("target_id", f"{target_id} is used twice; ids are unique across the catalog"))
        seen.add(target_id)
        code = row["indicator_code"]
        if code and code not in catalog.indicators:
            names = (row["indicator_name"], row["indicator_name_en"])
            if not all(names):
                found.append(
                    (
                        "indicator_name_en",
                        f"{code} is a new indicator: give indicator_name and indicator_name_en",
                    )
                )
            elif new_indicators.setdefault(code, names) != names:
                found.append(("indicator_name", f"new indicator {code} is named differently on another row"))
        problems.extend(Problem(n, f, m) for f, m in found)
    return problems


def assign_ids(rows: list[dict[str, str]], plan_id: str) -> list[str]:
    return [row["target_id"] or f"{plan_id}-{n:03d}" for n, row in enumerate(rows, start=1)]


def _row_problems(row: dict[str, str], text: str, meta: PlanMeta, catalog: Catalog) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not row["quote"] or row["quote"] not in text:
        out.append(("quote", "not found word for word in the plan text; copy it from the text"))
    if row["kind"] == "relative":
        out.append(
            ("kind", "relative targets (a gap to a benchmark) cannot be judged yet; rewrite or drop the row")
        )
    else:
        out.extend(_choice(row, "kind", TARGET_KINDS))
    out.extend(_choice(row, "comparator", COMPARATORS))
    out.extend(_choice(row, "frequency", FREQUENCIES))
    out.extend(_choice(row, "measure", MEASURES))
    out.extend(_choice(row, "direction", ("higher", "lower")))
    out.extend(_choice(row, "aspirational", ("true", "false")))
    out.extend(_choice(row, "assessable_within_year", ("true", "false")))
    out.extend(_value_problems(row))
    if not _CODE.fullmatch(row["indicator_code"]):
        out.append(
            ("indicator_code", "empty or not lower_snake; reuse a code from indicators.csv or make a new one")
        )
    if row["responsible_bureau"] not in catalog.bureaus:
        got = f"{row['responsible_bureau']!r} is not in bureaus.csv" if row["responsible_bureau"] else "empty"
        out.append(("responsible_bureau", f"{got}; expected a bureau_code from bureaus.csv"))
    if not _is_date(row["due_date"]) or int(row["due_date"][:4]) < meta.plan_year:
        out.append(("due_date", f"{row['due_date']!r}: expected YYYY-MM-DD in {meta.plan_year} or later"))
    if not row["section_no"].isdigit() or not row["section"]:
        out.append(("section_no", "expected the section's number and numeral (1, 一)"))
    return out


def _value_problems(row: dict[str, str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    milestone = row["kind"] == "milestone"
    if milestone and (row["value"] or row["unit"] or row["measure"] != "milestone_state"):
        out.append(("value", "a milestone has no value and no unit, and measure milestone_state"))
    if not milestone and not _is_number(row["value"]):
        out.append(("value", f"{row['value']!r}: expected a number"))
    if (row["comparator"] == "~") != bool(row["band"]) or row["band"] and not _is_number(row["band"]):
        out.append(("band", "a ~ (左右) target needs a band (a number), and only it"))
    if row["unit"]:
        try:
            vocabulary().unit(row["unit"])
        except UnknownUnit:
            out.append(
                ("unit", f"{row['unit']!r} is not in dbt_project/seeds/vocabulary/units.csv; add it there")
            )
    elif row["kind"] not in _NO_UNIT_KINDS:
        out.append(("unit", f"a {row['kind']} target needs a unit"))
    return out


def _choice(row: dict[str, str], name: str, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    if row[name] in allowed:
        return []
    got = f"{row[name]!r}" if row[name] else "empty"
    return [(name, f"{got}; expected one of {', '.join(allowed)}")]


def _is_number(text: str) -> bool:
    try:
        return float(text) >= 0
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def build_additions(
    rows: list[dict[str, str]], text: str, meta: PlanMeta, catalog: Catalog
) -> dict[str, list[dict[str, str]]]:
    """The rows to append to plans, plan_targets, plan_text_lines and indicators (for new indicators)."""
    vocab = vocabulary()
    targets, indicators = [], {}
    for row, target_id in zip(rows, assign_ids(rows, meta.plan_id), strict=True):
        targets.append(
            {
                "plan_id": meta.plan_id,
                "target_id": target_id,
                **{
                    k: row[k]
                    for k in ("section_no", "section", "quote", "indicator_code", "kind", "comparator")
                },
                "target_value": row["value"],
                "band": row["band"],
                "unit_raw": row["unit"],
                **{
                    k: row[k]
                    for k in (
                        "direction",
                        "aspirational",
                        "responsible_bureau",
                        "frequency",
                        "measure",
                        "assessable_within_year",
                        "due_date",
                        "notes",
                    )
                },
            }
        )
        code = row["indicator_code"]
        if code not in catalog.indicators and code not in indicators:
            canonical = vocab.unit(row["unit"]).canonical if row["unit"] else ""
            if not canonical and row["kind"] != "milestone":
                canonical = "percent"  # 全覆盖, “双百”, “双降” are percentages written without a unit
            indicators[code] = {
                "indicator_code": code,
                "name_zh": row["indicator_name"],
                "name_en": row["indicator_name_en"],
                "unit": canonical,
                "unit_raw": row["unit"],
                "frequency": row["frequency"],
                "measure_type": row["measure"],
                "bureau_code": row["responsible_bureau"],
                "source_status": "no_source_yet",
            }
    plan = {k: str(v) for k, v in vars(meta).items()}
    lines = [
        {"plan_id": meta.plan_id, "line_no": str(n), "text": line}
        for n, line in enumerate(text.split("\n"), 1)
    ]
    return {"plans": [plan], "targets": targets, "lines": lines, "indicators": list(indicators.values())}
