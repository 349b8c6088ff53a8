"""Every plan in the catalog, checked with the rules `planwatch plan add` applies to a new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from plancatalog.catalog import Catalog, read_catalog
from plancatalog.onboarding import PlanMeta, check_rows
from plancatalog.structure import PlanText

ROOT = Path(__file__).resolve().parents[2]
CATALOG = read_catalog(ROOT / "dbt_project" / "seeds")
PLAN_IDS = [p["plan_id"] for p in CATALOG.plans]


def as_draft(target: dict[str, str], catalog: Catalog) -> dict[str, str]:
    """A catalog row in the draft's columns, so that the draft checks apply to it."""
    indicator = catalog.indicators.get(target["indicator_code"], {})
    return {
        **target,
        "value": target["target_value"],
        "unit": target["unit_raw"],
        "indicator_name": indicator.get("name_zh", ""),
        "indicator_name_en": indicator.get("name_en", ""),
        "target_id": "",  # ids are checked across the catalog below
    }


@pytest.mark.parametrize("plan_id", PLAN_IDS)
def test_every_plan_passes_the_checks_of_plan_add(plan_id: str) -> None:
    plan = CATALOG.plan(plan_id)
    assert plan is not None
    text = (ROOT / plan["text_file"]).read_text(encoding="utf-8")
    meta = PlanMeta(**{**plan, "plan_year": int(plan["plan_year"])})  # type: ignore[arg-type]
    rows = [as_draft(t, CATALOG) for t in CATALOG.plan_targets(plan_id)]
    problems = [p for p in check_rows(rows, text, meta, CATALOG) if p.field != "target_id"]
    assert [f"row {p.row} {p.field}: {p.message}" for p in problems] == []


@pytest.mark.parametrize("plan_id", PLAN_IDS)
def test_text_lines_are_the_plan_and_sections_match_the_headings(plan_id: str) -> None:
    plan = CATALOG.plan(plan_id)
    assert plan is not None
    text = (ROOT / plan["text_file"]).read_text(encoding="utf-8")
    lines = [r for r in CATALOG.tables["lines"] if r["plan_id"] == plan_id]
    assert [int(r["line_no"]) for r in lines] == list(range(1, len(lines) + 1))
    assert "\n".join(r["text"] for r in lines) == text
    structure = PlanText(text, int(plan["plan_year"]))
    cursor = 0
    for target in CATALOG.plan_targets(plan_id):
        pos = text.find(target["quote"], cursor)
        assert pos >= 0, target["target_id"]  # quotes are in text order
        cursor = pos
        section = structure.section_at(pos)
        assert section is not None and (target["section"], int(target["section_no"])) == (
            section.numeral,
            section.number,
        ), target["target_id"]


def test_target_ids_are_unique_across_plans() -> None:
    ids = [t["target_id"] for t in CATALOG.targets]
    assert len(ids) == len(set(ids))
    for t in CATALOG.targets:
        assert t["plan_id"] in PLAN_IDS, t["target_id"]


def test_the_2025_plan_carries_indicators_over_and_adds_some() -> None:
    codes = {
        year: {t["indicator_code"] for t in CATALOG.plan_targets(f"district_{year}")} for year in (2024, 2025)
    }
    carried, new, dropped = codes[2025] & codes[2024], codes[2025] - codes[2024], codes[2024] - codes[2025]
    assert len(carried) >= 80 and 10 <= len(new) <= 30 and len(dropped) >= 5
    assert {t["due_date"][:4] for t in CATALOG.plan_targets("district_2025")} == {"2025", "2027"}
    sourced = {c for c, row in CATALOG.indicators.items() if row["source_status"] == "sourced"}
    assert len(carried & sourced) >= 25  # the demo's sample data can follow the plan into 2025
