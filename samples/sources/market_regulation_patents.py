"""区市场监管局 知识产权统计 (GB18030: its notes carry characters outside GBK): the stock of valid invention
patents at each month end and its growth on a year earlier. Revision: the August 2024 release restates
July's stock (+6, patents granted late in July)."""

from __future__ import annotations

import random

from ingest.formats.base import SampleFigure, SampleRelease
from ingest.normalise import Period
from samples.shapes import month_of

SOURCE_ID = "market_regulation_patents"
# valid invention patents held at year end: 2024 aims at 5900 (+9 % on 2023), 2025 at 6400
PATENTS_END = {2022: 4720, 2023: 5410, 2024: 5920, 2025: 6450}
LABEL = "有效发明专利拥有量"


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    start, end = PATENTS_END[year - 1], PATENTS_END[year]
    figures: list[SampleFigure] = []
    notes: dict[tuple[str, Period], str] = {}
    for m in range(2, month + 1):
        rng = random.Random(f"{seed}-patents-{year}-{m}")
        stock = start + (end - start) * m / 12 + rng.uniform(-8, 8)
        if year == 2024 and m == 7 and month >= 8:
            stock += 6
        before = PATENTS_END.get(year - 2)
        prior = before + (start - before) * m / 12 if before is not None else 0
        growth = f"{100 * (stock / prior - 1):.1f}" if prior else "—"
        p = month_of(year, m)
        figures += [
            SampleFigure(LABEL, "level", p, f"{round(stock):,}", unit="件"),
            SampleFigure(LABEL, "ytd_growth_pct", p, growth, unit="件"),
        ]
        notes[(LABEL, p)] = "含㙟浦镇企业" if m == 2 else ""
    return SampleRelease(year, month, figures, extra_columns={"备注": notes}) if figures else None
