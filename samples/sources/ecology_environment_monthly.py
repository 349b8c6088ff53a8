"""区生态环境局 生态环境质量月报: rates since 1 January, one row per indicator and month so far.

Revision: the June 2024 release restates May's air-quality day count after data review (+1 day).
"""

from __future__ import annotations

from ingest.formats.base import SampleFigure, SampleRelease
from samples.shapes import DAYS, released, ytd

SOURCE_ID = "ecology_environment_monthly"
# good-air days per month: winter and early summer (ozone) are the hard months
AIR_GOOD_DAYS = {
    # 2023 held 90 % (331 of 365 days, 90.7 %), as 保持90%以上 says; 2024 slips below it
    2023: {1: 26, 2: 25, 3: 28, 4: 28, 5: 28, 6: 26, 7: 29, 8: 29, 9: 28, 10: 30, 11: 28, 12: 26},
    2024: {1: 25, 2: 25, 3: 27, 4: 27, 5: 26, 6: 25, 7: 28, 8: 28, 9: 28, 10: 29, 11: 27, 12: 24},
    2025: {1: 26, 2: 26, 3: 28, 4: 28, 5: 27, 6: 26, 7: 29, 8: 29, 9: 28, 10: 30, 11: 28, 12: 25},
}
WATER_SECTIONS = 12
WATER_ZONE_FAILS = {2024: {7: 1, 8: 1}}  # section-months failing the water-function target
AIR, WATER, ZONE = "空气质量优良率", "市控以上断面水质优良率", "市控以上断面水功能区达标率"


def release(year: int, month: int, seed: int) -> SampleRelease | None:
    good = dict(AIR_GOOD_DAYS[year])
    if year == 2024 and month >= 6:
        good[5] += 1
    fails = WATER_ZONE_FAILS.get(year, {})
    figures: list[SampleFigure] = []
    this_month: dict[tuple[str, object], str] = {}
    for m in range(1, month + 1):
        p = ytd(year, m)
        days = sum(DAYS[k] for k in range(1, m + 1))
        zone_ytd = (
            100 * (WATER_SECTIONS * m - sum(v for k, v in fails.items() if k <= m)) / (WATER_SECTIONS * m)
        )
        for label, value, monthly in (
            (AIR, 100 * sum(good[k] for k in range(1, m + 1)) / days, 100 * good[m] / DAYS[m]),
            (WATER, 100.0, 100.0),
            (ZONE, zone_ytd, 100 * (WATER_SECTIONS - fails.get(m, 0)) / WATER_SECTIONS),
        ):
            figures.append(SampleFigure(label, "rate_pct", p, f"{value:.1f}", unit="%"))
            this_month[(label, p)] = f"{monthly:.1f}"
    return SampleRelease(year, month, figures, release_date=released(year, month, 10),
                         extra_columns={"本月": this_month})  # type: ignore[dict-item]  # fmt: skip
