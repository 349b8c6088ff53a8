"""区农业农村局 农业农村主要指标 (一季度, 上半年, 1-3季度, 全年): grain is counted at harvest, so the first
quarter shows — (missing, never 0)."""

from __future__ import annotations

import random

from ingest.formats.base import SampleFigure, SampleRelease
from ingest.normalise import Period
from samples.shapes import QUARTER_MONTHS, released, ytd

SOURCE_ID = "agriculture_quarterly_report"
# name: unit, full-year level per year, quarterly shares (harvests make grain back-loaded)
AGRI = {
    "粮食播种面积": (
        "万亩",
        {2021: 4.49, 2022: 4.52, 2023: 4.55, 2024: 4.57, 2025: 4.6},
        (0.0, 0.55, 0.98, 1.0),
    ),
    "粮食产量": (
        "万斤",
        {2021: 3742.0, 2022: 3768.0, 2023: 3795.0, 2024: 3810.0, 2025: 3830.0},
        (0.0, 0.27, 0.61, 1.0),
    ),
    "蔬菜产量": ("万吨", {2021: 8.42, 2022: 8.66, 2023: 8.9, 2024: 9.35, 2025: 9.6}, (0.26, 0.52, 0.74, 1.0)),
    "生猪出栏": (
        "万头",
        {2021: 2.71, 2022: 2.86, 2023: 2.92, 2024: 2.88, 2025: 2.85},
        (0.26, 0.5, 0.73, 1.0),
    ),
    "低收入农户人均可支配收入": (
        "元",
        {2020: 14750.0, 2021: 16420.0, 2022: 18010.0, 2023: 19850.0, 2024: 21960.0, 2025: 24100.0},
        (0.27, 0.51, 0.76, 1.0),
    ),
}


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    period = ytd(year, month)
    q = QUARTER_MONTHS.index(month)
    figures: list[SampleFigure] = []
    previous: dict[tuple[str, Period], str] = {}
    for name, (unit, annual, shares) in AGRI.items():
        rng = random.Random(f"{seed}-agri-{name}-{year}-{month}")
        share = shares[q]
        if share == 0:  # nothing sown or harvested yet
            figures += [
                SampleFigure(name, m, period, None, unit=unit) for m in ("ytd_value", "ytd_growth_pct")
            ]
            previous[(name, period)] = "—"
            continue
        this = annual[year] * share * (1 + rng.uniform(-0.005, 0.005))
        last = annual.get(year - 1, annual[year] / 1.03) * share
        figures += [
            SampleFigure(name, "ytd_value", period, round(this, 2), unit=unit),
            SampleFigure(name, "ytd_growth_pct", period, round(100 * (this / last - 1), 1), unit=unit),
        ]
        previous[(name, period)] = f"{round(last, 2)}"
        if name == "粮食产量":
            figures.append(
                SampleFigure(
                    "其中:夏粮", "ytd_value", period, round(annual[year] * min(share, 0.27), 2), unit=unit
                )
            )
    notes = ("注:粮食产量按收获季节统计;低收入农户收入为抽样调查数据。",)
    return SampleRelease(year, month, figures, period, released(year, month, 25), notes,
                         extra_columns={"上年同期": previous})  # fmt: skip
