"""省文旅统计 SDMX-CSV: every quarter of the year so far, the newest provisional (P), final (A) a quarter
later with a changed value; the fourth-quarter message also carries the year's culture figures."""

from __future__ import annotations

import random

from ingest.formats.base import SampleFigure, SampleRelease
from ingest.normalise import Period
from samples.shapes import CITY_REG, DISTRICT_REG, QUARTER_MONTHS, quarter

SOURCE_ID = "culture_tourism_sdmx"
TOURISM = {2023: (142.0, 9.8), 2024: (150.1, 5.6), 2025: (158.0, 5.3)}  # full-year revenue (亿元), growth (%)
SHARES = (0.26, 0.54, 0.79, 1.0)
CULTURE_ANNUAL = {
    2023: {"READ_RATE": (92.6, "PT|0"), "CULT_AREA_10K": (5120.0, "M2|0")},
    2024: {"READ_RATE": (93.1, "PT|0"), "CULT_AREA_10K": (5260.0, "M2|0")},
}
REV, REV_GR, VISITORS = (
    "INDICATOR=TOUR_REV,MEASURE=YTD",
    "INDICATOR=TOUR_REV,MEASURE=YTD_GR",
    "INDICATOR=TOUR_VIS,MEASURE=YTD",
)


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    annual, growth = TOURISM[year]
    # visitor numbers of the first quarter of 2024 are being re-surveyed: withdrawn from the half-year on
    withdrawn = year == 2024 and month >= 6
    figures: list[SampleFigure] = []
    for q in (q for q in QUARTER_MONTHS if q <= month):
        rng = random.Random(f"{seed}-tourism-{year}-{q}")
        value = annual * SHARES[QUARTER_MONTHS.index(q)] * (1 + rng.uniform(-0.01, 0.01))
        g = growth + rng.uniform(-0.4, 0.4)
        if q < month:
            value, g = value * 1.003, g + 0.1
        status = "A" if q < month else "P"
        for area, scale in ((DISTRICT_REG, 1.0), (CITY_REG, 11.4)):
            p = quarter(year, q)
            figures += [
                SampleFigure(REV, "ytd_value", p, f"{value * scale:.2f}", area, "CNY|8", status),
                SampleFigure(REV_GR, "ytd_growth_pct", p, f"{g:.1f}", area, "PT|0", status),
            ]
            if not (withdrawn and q == 3 and area == DISTRICT_REG):
                figures.append(
                    SampleFigure(VISITORS, "ytd_value", p, f"{value * scale * 7.3:.1f}", area, "PS|4", "E")
                )
    if month == 12:
        for indicator, (value, unit) in CULTURE_ANNUAL.get(year, {}).items():
            key = f"INDICATOR={indicator},MEASURE=LEVEL"
            figures.append(
                SampleFigure(key, "level", Period(year, 1, 12), str(value), DISTRICT_REG, unit, "A")
            )
    if withdrawn:
        figures.append(
            SampleFigure(VISITORS, "ytd_value", quarter(year, 3), None, DISTRICT_REG, "PS|4", action="D")
        )
    return SampleRelease(year, month, figures)
