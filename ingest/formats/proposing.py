"""What the format proposers share: reading a header's hierarchy as a measure, a location template and a
release calendar from a sample's file name, and the indicator rows of a draft entry."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from ingest.normalise import NormaliseError, parse_number, to_halfwidth

_PREVIOUS_YEAR = re.compile(r"上年同期(?!=)|去年同期|上年同月|上年")
_MONTH = re.compile(r"本月|当月|单月")
_QUARTER = re.compile(r"当季|本季|单季")
_YTD = re.compile(r"累计|本年|年初至今|本期|1[-—–~]\d{1,2}月|\d季度|上半年|全年|本年度")
_GROWTH = re.compile(r"增长|增速|增减|增幅|同比|比上年|±")
_INDEX = re.compile(r"指数|上年同期=100|=100")
_RATE = re.compile(r"率|比重|占比")
_LEVEL = re.compile(r"期末|年末|月末|拥有量|余额|存量|末数")
_VALUE = re.compile(r"绝对值|累计值|数值|完成|金额|总额|值$|数量|合计")


def guess_measure(header: str) -> str | None:
    """The measure a column holds, from its header read as a hierarchy (`1-9月累计|同比增长(%)`).

    The scope comes from any level (本月 versus 1-m月累计 versus 当季), the kind from the lowest level that
    says one (增长, 率, 期末, 绝对值): a 本月 group's 绝对值 is month_value, never ytd_value. A column of last
    year's figures (上年同期) is left out.
    """
    parts = [to_halfwidth(p).replace(" ", "") for p in header.split("|") if p.strip()]
    text = "|".join(parts)
    if not parts or (_PREVIOUS_YEAR.search(text) and not _INDEX.search(text)):
        return None
    scope = "month" if any(_MONTH.search(p) for p in parts) else None
    scope = scope or ("quarter" if any(_QUARTER.search(p) for p in parts) else None)
    scope = scope or ("ytd" if any(_YTD.search(p) for p in parts) else None)
    for part in reversed(parts):
        if _GROWTH.search(part) or _INDEX.search(part):
            return "month_growth_pct" if scope == "month" else "ytd_growth_pct"
        if _RATE.search(part):
            return "rate_pct"
        if _LEVEL.search(part):
            return "level"
        if _VALUE.search(part) or _YTD.search(part) or _MONTH.search(part) or _QUARTER.search(part):
            return {"month": "month_value", "quarter": "quarter_value"}.get(scope or "", "ytd_value")
    return None


def is_index(header: str) -> bool:
    return bool(_INDEX.search(to_halfwidth(header)))


def is_number(value: object) -> bool:
    try:
        return parse_number(value) is not None
    except NormaliseError:
        return False


def location_and_calendar(path: Path, frequency: str) -> tuple[str, dict[str, Any], str, str]:
    """A location template from the file name (202403 -> {year}{month:02d}, 2024Q2 -> {year}Q{quarter})."""
    name = path.name
    folder = path.parent.name
    if re.fullmatch(r"20\d{2}", folder):  # samples kept per year: the bureau folder is one level up
        folder = path.parent.parent.name
        name = "{year}/" + name
    first = f"{date.today().year}-01"  # no year in the name: from this January
    if m := re.search(r"(20\d{2})[Qq]([1-4])", name):
        location = name[: m.start()] + "{year}Q{quarter}" + name[m.end() :]
        first = f"{m.group(1)}-01"
    elif m := re.search(r"(20\d{2})(0[1-9]|1[0-2])", name):
        location = name[: m.start()] + "{year}{month:02d}" + name[m.end() :]
        first = f"{m.group(1)}-01"
    elif m := re.search(r"20\d{2}", name):
        location = name[: m.start()] + "{year}" + name[m.end() :]
        first = f"{m.group(0)}-01"
    else:
        location = name
    stem = re.sub(r"[^a-z0-9]+", "_", re.sub(r"\{.*?\}", "", location.rsplit(".", 1)[0]).lower()).strip("_")
    source_id = (stem or "new_source") if stem[:1].isalpha() else f"source_{stem}"
    bureau = folder if re.fullmatch(r"[a-z][a-z0-9_]*", folder or "") else "bureau"
    if bureau != "bureau":
        location = f"{folder}/{location}"
    calendar: dict[str, Any] = {
        "frequency": frequency,
        "description": "(describe when the bureau publishes, e.g. 每月15日前后发布上月数据)",
        "day_of_month": 15,
        "lag_months": 1,
        "first_period": first,
    }
    if frequency == "monthly" and "{month" in location:
        calendar["skip_months"] = [1]
    if frequency == "quarterly" and "{month" in location:
        calendar["skip_months"] = [1, 2, 4, 5, 7, 8, 10, 11]
    return location, calendar, source_id, bureau


def base_entry(path: Path, fmt: str, frequency: str, title: str) -> dict[str, Any]:
    location, calendar, source_id, bureau = location_and_calendar(path, frequency)
    return {
        "id": source_id,
        "bureau": bureau,
        "title": title,
        "format": fmt,
        "location": location,
        "release": calendar,
    }


def frequency_of(periods: list[tuple[int, int]]) -> str:
    """monthly / quarterly / annual from the (start, end) months seen."""
    ends = {end for _, end in periods}
    if ends and ends <= {12} and all(start == 1 for start, _ in periods):
        return "annual"
    if ends and ends <= {3, 6, 9, 12} and len(ends) > 1:
        return "quarterly"
    return "monthly"


def indicator(label: str, unit: str | None, measures: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": label, "code": "?"}
    if unit:
        entry["unit"] = unit
    if measures:
        entry["measures"] = measures
    return entry
