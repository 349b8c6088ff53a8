"""The draft catalog: one row per target read from a plan, the form a reviewer completes.

`planwatch plan extract` writes it with the columns the text can fill; the reviewer fills the rest
(indicator_code, responsible_bureau, frequency, measure, assessable_within_year, and indicator_name_en for
a new indicator); `planwatch plan add` checks it and appends it to the catalog.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

# What the extractor reads from the text, in the order a reviewer reads a row.
EXTRACTED_COLUMNS = (
    "section_no",
    "section",
    "quote",
    "indicator_name",
    "kind",
    "comparator",
    "value",
    "band",
    "unit",
    "direction",
    "aspirational",
    "target_year",
    "due_date",
    "notes",
    "span_start",
    "span_end",
    "unit_canonical",
    "unit_multiplier",
)
# What only a person can say; empty in a fresh draft.
REVIEW_COLUMNS = (
    "target_id",
    "indicator_code",
    "indicator_name_en",
    "responsible_bureau",
    "frequency",
    "measure",
    "assessable_within_year",
)
DRAFT_COLUMNS = ("target_id", *EXTRACTED_COLUMNS, *REVIEW_COLUMNS[1:])


@dataclass(frozen=True, slots=True)
class DraftTarget:
    """One target read from the plan. ``unit`` is the unit as written, NFKC (亿元, 万亩, % for ％)."""

    section_no: int | None
    section: str
    quote: str
    indicator_name: str
    kind: str
    comparator: str
    value: float | None
    band: float | None
    unit: str
    direction: str
    aspirational: bool
    target_year: int
    due_date: str
    notes: str
    span_start: int
    span_end: int
    unit_canonical: str
    unit_multiplier: float | None

    def as_row(self) -> dict[str, str]:
        row = dict.fromkeys(REVIEW_COLUMNS, "")
        for key, val in asdict(self).items():
            if val is None:
                row[key] = ""
            elif isinstance(val, bool):
                row[key] = "true" if val else "false"
            elif isinstance(val, float):
                row[key] = format_number(val)
            else:
                row[key] = str(val)
        return row


assert tuple(f.name for f in fields(DraftTarget)) == EXTRACTED_COLUMNS


def format_number(val: float) -> str:
    """450.0 -> '450', 1.8 -> '1.8' (no float noise such as 1.7999999)."""
    if float(val).is_integer():
        return str(int(val))
    return f"{val:.10g}"


def write_draft(targets: Iterable[DraftTarget], path: Path) -> int:
    """Write the draft CSV (UTF-8, no BOM); returns the number of rows."""
    rows = [t.as_row() for t in targets]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(DRAFT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
