"""区科技局 数据服务 (NBS JSON shape, no region): 1-2月 to 1-m月 of one year in each monthly file.

高新技术企业 are recognised in two batches, announced in November and December as
dbt_project/seeds/config/batch_schedules.csv declares: the count stays 0 until November.
"""

from __future__ import annotations

import random

from ingest.formats.base import SampleFigure, SampleRelease
from samples.shapes import BACK_LOADED, month_of

SOURCE_ID = "science_tech_data_service"
HITECH_BATCHES: dict[int, dict[int, int]] = {
    2023: {11: 57, 12: 118},
    2024: {11: 62, 12: 121},
    2025: {11: 64, 12: 126},
}
TECH_LOANS = {2023: 3.55, 2024: 3.62, 2025: 3.9}  # 亿元 issued in the year


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    figures: list[SampleFigure] = []
    count = 0
    for m in range(2, month + 1):
        count = max([count, *(v for k, v in HITECH_BATCHES[year].items() if k <= m)])
        rng = random.Random(f"{seed}-tech-{year}-{m}")
        loans = TECH_LOANS[year] * BACK_LOADED[m] * (1 + rng.uniform(-0.02, 0.02))
        figures += [
            SampleFigure("K0101", "count_ytd", month_of(year, m), float(count)),
            SampleFigure("K0201", "ytd_value", month_of(year, m), round(loans, 2)),
        ]
    return SampleRelease(year, month, figures) if figures else None
