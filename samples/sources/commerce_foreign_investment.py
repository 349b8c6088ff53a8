"""区商务局 招商引资统计: one table per year, rewritten each month with every month so far."""

from __future__ import annotations

import random

from ingest.formats.base import SampleFigure, SampleRelease
from samples.shapes import BACK_LOADED, NEAR_LINEAR, ytd
from samples.sources.stats_monthly_report import Series, year_to_date

SOURCE_ID = "commerce_foreign_investment"
SERIES = [
    Series(
        "实际利用外资",
        "亿美元",
        {2023: 1.62, 2024: 1.49, 2025: 1.58},
        {2023: 4.0, 2024: -8.0, 2025: 6.0},
        BACK_LOADED,
        False,
    ),
    Series(
        "市外内资",
        "亿元",
        {2023: 186.0, 2024: 214.0, 2025: 232.0},
        {2023: 8.0, 2024: 15.1, 2025: 8.4},
        NEAR_LINEAR,
        False,
    ),
]


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    figures: list[SampleFigure] = []
    for m in range(2, month + 1):
        rng = random.Random(f"{seed}-commerce-{year}-{m}")
        for s in SERIES:
            level, growth = year_to_date(s, year, m, rng)
            figures += [
                SampleFigure(s.label, "ytd_value", ytd(year, m), f"{level:,.2f}", unit=s.unit),
                SampleFigure(s.label, "ytd_growth_pct", ytd(year, m), f"{growth:.1f}", unit=s.unit),
            ]
    return SampleRelease(year, month, figures) if figures else None
