"""The counties' work plans, as rows of the dbt seeds plans.csv, plan_targets.csv and plan_text_lines.csv.

Each county adopts the district's plan of PLAN_YEAR restricted to the targets whose indicator has a
source (a target without one is judged 暂无数据 and costs the warehouse nothing worth measuring). Amounts
(总量、个数、存量) scale with the county's size, rounded as a plan writes them; growth rates and held
rates stay as the district set them. The plan's text is its targets' words, one line each, so the
catalog's own test that every quoted target is in its plan's text holds.
"""

from __future__ import annotations

import csv
from pathlib import Path

from samples.province.regions import Region

PLAN_YEAR = 2024
DISTRICT_PLAN = "district_2024"
SCALED_KINDS = ("level", "count", "stock")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _amount(value: float, factor: float, kind: str) -> str:
    if kind == "count":
        return str(max(1, round(value * factor)))
    scaled = value * factor
    return f"{scaled:.1f}" if scaled < 100 else str(round(scaled))


def _number_text(value: str) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else value


def district_targets(seeds: Path) -> list[dict[str, str]]:
    _, indicators = _read(seeds / "indicators.csv")
    sourced = {r["indicator_code"] for r in indicators if r["source_status"] == "sourced"}
    _, targets = _read(seeds / "plan_targets.csv")
    return [t for t in targets if t["plan_id"] == DISTRICT_PLAN and t["indicator_code"] in sourced]


def write_catalog(seeds: Path, regions: list[Region]) -> int:
    """Replace the plans, targets and plan text in a copy of the seeds; returns the number of targets."""
    plan_fields, district_plans = _read(seeds / "plans.csv")
    target_fields, _ = _read(seeds / "plan_targets.csv")
    text_fields, _ = _read(seeds / "plan_text_lines.csv")
    template = next(p for p in district_plans if p["plan_id"] == DISTRICT_PLAN)
    targets = district_targets(seeds)
    with (
        (seeds / "plans.csv").open("w", encoding="utf-8", newline="") as plans_fh,
        (seeds / "plan_targets.csv").open("w", encoding="utf-8", newline="") as targets_fh,
        (seeds / "plan_text_lines.csv").open("w", encoding="utf-8", newline="") as text_fh,
    ):
        plans = csv.DictWriter(plans_fh, plan_fields)
        rows = csv.DictWriter(targets_fh, target_fields)
        lines = csv.DictWriter(text_fh, text_fields)
        for writer in (plans, rows, lines):
            writer.writeheader()
        for region in regions:
            plan_id = f"county_{region.code}_{PLAN_YEAR}"
            title = f"{region.name}人民政府{PLAN_YEAR}年工作计划"
            plans.writerow(
                template
                | {
                    "plan_id": plan_id,
                    "jurisdiction_code": region.code,
                    "jurisdiction_name_zh": region.name,
                    "region_code": region.code,
                    "title_zh": title,
                    "text_file": f"plan/province/{plan_id}.txt",
                }
            )
            lines.writerow({"plan_id": plan_id, "line_no": 1, "text": title})
            for n, target in enumerate(targets, start=2):
                row = target | {"plan_id": plan_id, "target_id": f"{region.code}-{target['target_id']}"}
                written = _number_text(target["target_value"]) if target["target_value"] else ""
                if target["kind"] in SCALED_KINDS and written and written in target["quote"]:
                    amount = _amount(float(target["target_value"]), region.factor, target["kind"])
                    row |= {"target_value": amount, "quote": target["quote"].replace(written, amount, 1)}
                rows.writerow(row)
                lines.writerow({"plan_id": plan_id, "line_no": n, "text": row["quote"]})
    return len(targets) * len(regions)
