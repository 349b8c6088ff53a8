"""区国资中心 区属国企经济运行: one table per year, rewritten each quarter."""

from __future__ import annotations

import random

from ingest.formats.base import SampleFigure, SampleRelease
from samples.shapes import QUARTER_MONTHS, ytd

SOURCE_ID = "sasac_soe_quarterly"
SOE_REVENUE = {2023: (118.0, 6.5), 2024: (121.5, 3.0), 2025: (126.0, 3.7)}  # 亿元, growth %
SHARES = {3: 0.22, 6: 0.47, 9: 0.71, 12: 1.0}
LABEL = "区属国有企业营业收入"


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    annual, growth = SOE_REVENUE[year]
    figures: list[SampleFigure] = []
    for q in (q for q in QUARTER_MONTHS if q <= month):
        rng = random.Random(f"{seed}-soe-{year}-{q}")
        value = annual * SHARES[q] * (1 + rng.uniform(-0.01, 0.01))
        figures += [
            SampleFigure(LABEL, "ytd_value", ytd(year, q), f"{value:,.2f}", unit="亿元"),
            SampleFigure(
                LABEL, "ytd_growth_pct", ytd(year, q), f"{growth + rng.uniform(-0.8, 0.8):.1f}", unit="亿元"
            ),
        ]
    return SampleRelease(year, month, figures) if figures else None
