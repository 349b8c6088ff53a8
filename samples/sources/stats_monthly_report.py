"""区统计局 统计月报: year-to-date values with 1-2月 combined, 本月 values where the bureau prints them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ingest.formats.base import SampleFigure, SampleRelease
from samples.shapes import BACK_LOADED, NEAR_LINEAR, released, ytd

SOURCE_ID = "stats_monthly_report"
FEBRUARY_SHARE = 0.47  # of 1-2月: the Spring Festival makes February the lighter month


@dataclass(frozen=True)
class Series:
    label: str
    unit: str
    annual: dict[int, float]  # full-year level per year
    growth: dict[int, float]  # published cumulative growth (%) per year, around which months vary
    shape: dict[int, float]
    has_month_value: bool


SERIES = [
    Series(
        "规上工业增加值",
        "亿元",
        {2021: 548.0, 2022: 577.0, 2023: 612.0, 2024: 661.0, 2025: 705.0},
        {2021: 7.4, 2022: 4.9, 2023: 6.1, 2024: 7.8, 2025: 6.6},
        NEAR_LINEAR,
        True,
    ),
    Series(
        "固定资产投资",
        "亿元",
        {2021: 392.0, 2022: 407.0, 2023: 428.0, 2024: 437.0, 2025: 452.0},
        {2021: 6.8, 2022: 3.7, 2023: 5.2, 2024: 2.1, 2025: 3.4},
        BACK_LOADED,
        False,
    ),
    Series(
        "工业投资",
        "亿元",
        {2021: 208.0, 2022: 221.0, 2023: 236.0, 2024: 248.0, 2025: 262.0},
        {2021: 9.1, 2022: 6.2, 2023: 7.0, 2024: 5.1, 2025: 5.6},
        BACK_LOADED,
        False,
    ),
    Series(
        "工业技改投资",
        "亿元",
        {2021: 139.0, 2022: 156.0, 2023: 171.0, 2024: 196.0, 2025: 214.0},
        {2021: 13.6, 2022: 16.9, 2023: 9.4, 2024: 14.6, 2025: 9.2},
        BACK_LOADED,
        False,
    ),
    Series(
        "社会消费品零售总额",
        "亿元",
        {2021: 226.0, 2022: 234.0, 2023: 251.0, 2024: 266.0, 2025: 281.0},
        {2021: 9.6, 2022: 3.5, 2023: 7.2, 2024: 5.9, 2025: 5.6},
        NEAR_LINEAR,
        True,
    ),
    Series(
        "一般公共预算收入",
        "亿元",
        {2021: 88.0, 2022: 93.0, 2023: 96.0, 2024: 99.0, 2025: 102.0},
        {2021: 6.1, 2022: 5.6, 2023: 3.0, 2024: 3.1, 2025: 3.0},
        NEAR_LINEAR,
        False,
    ),
]


def year_to_date(series: Series, year: int, month: int, rng: random.Random) -> tuple[float, float]:
    level = series.annual[year] * series.shape[month] * (1 + rng.uniform(-0.01, 0.01))
    growth = series.growth[year] + rng.uniform(-0.6, 0.6) * (12 - month) / 10
    return round(level, 2), round(growth, 1)


def levels(year: int, month: int, seed: int) -> dict[str, tuple[float, float]]:
    """Each series' year-to-date level and growth as the release for (year, month) publishes them."""
    rng = random.Random(f"{seed}-stats-{year}-{month}")
    return {s.label: year_to_date(s, year, month, rng) for s in SERIES}


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    period = ytd(year, month)
    now = levels(year, month, seed)
    before = levels(year, month - 1, seed) if month > 2 else {}
    figures: list[SampleFigure] = []
    for s in SERIES:
        level, growth = now[s.label]
        this_month = None
        if s.has_month_value:  # 本月 = this 1-m月 less last 1-(m-1)月, so the two columns reconcile
            this_month = round(level - before[s.label][0], 2) if before else round(level * FEBRUARY_SHARE, 2)
        figures += [
            SampleFigure(s.label, "month_value", period, this_month, unit=s.unit),
            SampleFigure(s.label, "ytd_value", period, level, unit=s.unit),
            SampleFigure(s.label, "ytd_growth_pct", period, growth, unit=s.unit),
        ]
    notes = ("注:1.规上工业增加值增速按可比价格计算;2.增速按可比口径计算。",)
    return SampleRelease(year, month, figures, period, released(year, month, 15), notes)
