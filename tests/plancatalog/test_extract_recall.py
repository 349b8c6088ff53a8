"""Precision and recall of the extractor on the 2024 plan, against the reviewed catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from plancatalog.extract import extract_targets, read_plan_text, write_draft
from plancatalog.spans import compare, load_catalog, load_draft, precision_recall

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plan" / "2024_district_work_plan.txt"
CATALOG = ROOT / "dbt_project" / "seeds" / "plan_targets.csv"
THRESHOLD = 0.95


def test_precision_and_recall_on_the_2024_plan(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    text = read_plan_text(PLAN)
    draft_path = tmp_path / "draft.csv"
    write_draft(extract_targets(text, 2024), draft_path)
    draft = load_draft(draft_path)
    catalog = load_catalog(CATALOG, "district_2024")

    # A draft row matches a catalog row when their quotes overlap in the plan and their values agree.
    result = compare(draft, catalog, text)
    precision, recall = precision_recall(result, len(draft), len(catalog))

    record_property("precision", round(precision, 4))
    record_property("recall", round(recall, 4))
    print(
        f"\nplan extractor on the 2024 plan: precision {precision:.1%} ({len(result.matched)}/{len(draft)}), "
        f"recall {recall:.1%} ({len(result.matched)}/{len(catalog)})"
    )
    unmatched = [f"new: {d.quote}" for d in result.new] + [
        f"missing: {c.key} {c.quote}" for c in result.missing
    ]
    assert precision >= THRESHOLD, unmatched
    assert recall >= THRESHOLD, unmatched
