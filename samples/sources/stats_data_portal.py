"""区统计局 数据发布库 (NBS easyquery JSON): quarterly year-to-date values and growth, annual shares.

Revisions: a quarter's figures are preliminary when first published and final one quarter later (the first
quarter of 2024 is restated in the half-year release). 数字经济核心产业增加值 is not computed in time for the
first quarter of 2024: hasdata=false there, filled in with the half-year release. The city's figures come
in the same table; the registry takes the district's only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ingest.formats.base import SampleFigure, SampleRelease
from ingest.normalise import Period
from samples.shapes import CITY_REG, DISTRICT_REG, QUARTER_MONTHS, quarter

SOURCE_ID = "stats_data_portal"


@dataclass(frozen=True)
class PortalSeries:
    name: str
    unit: str
    zb_value: str
    zb_growth: str
    annual: dict[int, float]
    growth: dict[int, float]
    shares: tuple[float, float, float, float]  # share of the year reached by the end of each quarter


QUARTERLY = [
    PortalSeries("服务业增加值", "亿元", "A0G0101", "A0G0102", {2023: 398.0, 2024: 425.0, 2025: 452.0},
                 {2023: 6.0, 2024: 6.8, 2025: 6.4}, (0.23, 0.48, 0.74, 1.0)),
    PortalSeries("数字经济核心产业增加值", "亿元", "A0G0201", "A0G0202", {2023: 61.0, 2024: 66.2, 2025: 71.5},
                 {2023: 11.2, 2024: 8.3, 2025: 8.0}, (0.22, 0.47, 0.73, 1.0)),
    PortalSeries("规模以上工业企业研究与试验发展(R&D)经费支出", "亿元", "A0F0101", "A0F0102",
                 {2023: 27.4, 2024: 29.0, 2025: 30.8}, {2023: 6.2, 2024: 5.7, 2025: 6.2}, (0.2, 0.45, 0.7, 1.0)),
    PortalSeries("农林牧渔业总产值", "亿元", "A0D0101", "A0D0102", {2023: 18.6, 2024: 19.2, 2025: 19.7},
                 {2023: 4.6, 2024: 3.8, 2025: 2.6}, (0.18, 0.42, 0.7, 1.0)),
]  # fmt: skip
# annual-only figures, published with the fourth quarter's release
ANNUAL = [
    ("全员劳动生产率增长", "%", "A0A0301", {2023: 6.4, 2024: 6.9}),
    ("现代服务业增加值占服务业增加值比重", "%", "A0G0301", {2023: 33.8, 2024: 35.2}),
    ("居民人均教育文化娱乐消费支出占生活消费支出比重", "%", "A0H0301", {2023: 8.7, 2024: 9.1}),
]


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    figures: list[SampleFigure] = []
    for s in QUARTERLY:
        for q in (q for q in QUARTER_MONTHS if q <= month):
            rng = random.Random(f"{seed}-portal-{s.zb_value}-{year}-{q}")
            value = s.annual[year] * s.shares[QUARTER_MONTHS.index(q)] * (1 + rng.uniform(-0.01, 0.01))
            growth = s.growth[year] + rng.uniform(-0.5, 0.5) * (12 - q) / 9
            if q < month and year == 2024 and q == 3:  # final verification of the first quarter
                value *= 1.004
                growth += 0.2
            late = year == 2024 and q == 3 and month == 3 and s.zb_value == "A0G0201"
            figures += [
                SampleFigure(s.zb_value, "ytd_value", quarter(year, q), None if late else round(value, 2), DISTRICT_REG),
                SampleFigure(s.zb_growth, "ytd_growth_pct", quarter(year, q), None if late else round(growth, 1), DISTRICT_REG),
                SampleFigure(s.zb_value, "ytd_value", quarter(year, q), round(value * 12.7, 2), CITY_REG),
            ]  # fmt: skip
    if month == 12:
        figures += [
            SampleFigure(zb, "rate_pct", Period(year, 1, 12), values[year], DISTRICT_REG, unit)
            for _, unit, zb, values in ANNUAL
            if year in values
        ]
    random.Random(f"{seed}-portal-order-{year}-{month}").shuffle(figures)  # joined on codes, never position
    names = {s.zb_value: f"{s.name}_累计值" for s in QUARTERLY} | {
        s.zb_growth: f"{s.name}_累计增长" for s in QUARTERLY
    }
    names |= {zb: name for name, _, zb, _ in ANNUAL}
    regions = {DISTRICT_REG: "XX区", CITY_REG: "XX市"}
    return SampleRelease(year, month, figures, names=names, region_names=regions)
