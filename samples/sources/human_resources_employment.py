"""区人力社保局 就业统计: every month of the year so far. Revision: the 2023 year-end release restates 1-11月."""

from __future__ import annotations

import random

from ingest.formats.base import SampleFigure, SampleRelease
from samples.shapes import month_of

SOURCE_ID = "human_resources_employment"
NEW_JOBS = {2023: 12480, 2024: 13350, 2025: 13900}
SHAPE = {2: 0.13, 3: 0.24, 4: 0.33, 5: 0.42, 6: 0.52, 7: 0.61, 8: 0.7, 9: 0.79, 10: 0.87, 11: 0.94, 12: 1.0}


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    figures: list[SampleFigure] = []
    for m in range(2, month + 1):
        rng = random.Random(f"{seed}-jobs-{year}-{m}")
        jobs = NEW_JOBS[year] * SHAPE[m] * (1 + rng.uniform(-0.01, 0.01))
        if year == 2023 and m == 11 and month == 12:
            jobs += 37
        last = NEW_JOBS.get(year - 1, NEW_JOBS[year] / 1.04) * SHAPE[m]
        p = month_of(year, m)
        figures += [
            SampleFigure("城镇新增就业", "count_ytd", p, f"{round(jobs):,}", unit="人"),
            SampleFigure("城镇新增就业", "ytd_growth_pct", p, f"{100 * (jobs / last - 1):.1f}", unit="人"),
            SampleFigure("失业人员再就业", "count_ytd", p, f"{round(jobs * 0.21):,}", unit="人"),
            SampleFigure("失业人员再就业", "ytd_growth_pct", p, "", unit="人"),
        ]
    return SampleRelease(year, month, figures) if figures else None
