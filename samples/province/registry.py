"""The provincial registry: each real registry entry, publishing every county every month.

What changes from the district's entry, and why:
- location: one file per month (`<folder>/{year}/<name>_{year}{month:02d}.<ext>`), holding every county's
  year-to-date figures for that month (a yearly file rewritten each month would load each month's
  counties again with every later version);
- release: monthly from FIRST_PERIOD, 1-2月 published together (no January), the entry's own day and lag;
- the region comes from the file: a csv_table gets a region column (地区代码), nbs_json and sdmx_csv take
  their reg / REF_AREA code as the region (no `regions` map: every county is taken);
- excel_report has no region dimension (a 统计月报 is one district's table), so those sources publish the
  same rows as a csv_table per month with a region column, as a provincial data service exports them;
  the columns are the measures the district's table carries, named as the vocabulary labels them.
Indicators, labels, units and codes are the real entry's.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from core.vocabulary import vocabulary
from samples.province.figures import Template

FIRST_PERIOD = "2015-01"
REGION_COLUMN = "地区代码"
_LABEL_FORMATS = ("excel_report", "csv_table")


def real_entries(sources_dir: Path) -> dict[str, dict[str, Any]]:
    """The registry entries as written (YAML), by id."""
    entries = {}
    for path in sorted(sources_dir.glob("*.yml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries[entry["id"]] = entry
    return entries


def _location(entry: dict[str, Any], ext: str) -> str:
    folder, name = entry["location"].split("/")[0], Path(entry["location"]).name
    stem = re.sub(r"_?\{year\}.*$", "", Path(name).stem) or entry["id"]
    return f"{folder}/{{year}}/{stem}_{{year}}{{month:02d}}{ext}"


def _csv_columns(tmpl: Template) -> dict[str, str]:
    """One column per measure of the district's table, headed by the vocabulary's label (累计增长(%))."""
    labels = vocabulary().measures
    out: dict[str, str] = {}
    for measure in dict.fromkeys(s.measure for s in tmpl.series):
        label = labels[measure].label_zh
        out[f"{label}(%)" if measure.endswith("_pct") else label] = measure
    return out


def province_entry(entry: dict[str, Any], tmpl: Template) -> dict[str, Any]:
    out = copy.deepcopy(entry)
    fmt = entry["format"]
    release = entry.get("release", {})
    out["title"] = f"{entry['title']}（全省分县）"
    out["release"] = {
        "frequency": "monthly",
        "description": "每月发布各县（市、区）上月累计数据；1-2月合并发布，无1月数据",
        "day_of_month": release.get("day_of_month", 15),
        "lag_months": release.get("lag_months", 1),
        "first_period": FIRST_PERIOD,
        "skip_months": [1],
        "freshness_warn_days": 50,
        "freshness_error_days": 80,
    }
    out.pop("region", None)
    if fmt == "excel_report":
        out.pop("excel_report")
        out["format"] = "csv_table"
        out["csv_table"] = {
            "encoding": "gbk",
            "period_column": "统计期",
            "label_column": "指标",
            "unit_column": "单位",
            "region_column": REGION_COLUMN,
            "columns": _csv_columns(tmpl),
        }
    elif fmt == "csv_table":
        out["csv_table"]["region_column"] = REGION_COLUMN
        out["csv_table"].pop("release_date_column", None)
    else:  # nbs_json, sdmx_csv: the code in the file is the region
        out[fmt].pop("regions", None)
    ext = ".csv" if out["format"] in _LABEL_FORMATS else Path(entry["location"]).suffix
    out["location"] = _location(entry, ext)
    return out


def write_entries(entries: dict[str, dict[str, Any]], sources_dir: Path) -> None:
    for old in sources_dir.glob("*.yml"):
        old.unlink()
    for source_id, entry in entries.items():
        text = "# 全省分县合成数据（benchmarks/bench_province.py）：由 config/sources/ 的同名条目生成\n"
        text += yaml.safe_dump(entry, allow_unicode=True, sort_keys=False, width=120)
        (sources_dir / f"{source_id}.yml").write_text(text, encoding="utf-8")
