"""区交通运输局 道路运输安全生产统计: accidents and deaths since 1 January and their change on a year earlier
(the targets are "双降": both counts down)."""

from __future__ import annotations

from ingest.formats.base import SampleFigure, SampleRelease
from samples.shapes import month_of

SOURCE_ID = "transport_road_safety"
ACCIDENTS = {2022: (24, 8), 2023: (22, 6), 2024: (19, 7), 2025: (17, 6)}  # full-year accidents, deaths
SERIES = (("道路运输安全事故起数", "起"), ("道路运输安全事故死亡人数", "人"))


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    figures: list[SampleFigure] = []
    for m in range(2, month + 1):
        for i, (name, unit) in enumerate(SERIES):
            now = round(ACCIDENTS[year][i] * m / 12)
            before = round(ACCIDENTS[year - 1][i] * m / 12)
            change = f"{100 * (now / before - 1):.1f}" if before else "—"
            figures += [
                SampleFigure(name, "count_ytd", month_of(year, m), float(now), unit=unit),
                SampleFigure(name, "ytd_growth_pct", month_of(year, m), change, unit=unit),
            ]
    return SampleRelease(year, month, figures) if figures else None
