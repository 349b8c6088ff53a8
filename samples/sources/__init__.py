"""One generator per source: the figures of the release a source publishes for (year, month).

Each module knows one bureau's numbers (levels, growth, revisions, batches) and nothing about layout: the
source's registry entry and its format's sample writer lay the figures out (samples/generate.py).

A source whose location is a drop folder (a wildcard: one file per bureau) or whose files are records
rather than figures (bureau progress returns and the office's review log) has a file generator instead:
(source, year, month, seed) -> {file name: bytes} for the period's folder.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.formats.base import SampleRelease
from ingest.registry import Source
from samples.sources import (
    agriculture_quarterly_report,
    bureau_progress_returns,
    bureau_return_reviews,
    commerce_foreign_investment,
    culture_tourism_sdmx,
    ecology_environment_monthly,
    human_resources_employment,
    market_regulation_patents,
    sasac_soe_quarterly,
    science_tech_data_service,
    stats_data_portal,
    stats_monthly_report,
    transport_road_safety,
)

Generator = Callable[[int, int, int], SampleRelease | None]
FileGenerator = Callable[[Source, int, int, int], dict[str, bytes]]

GENERATORS: dict[str, Generator] = {
    m.SOURCE_ID: m.release
    for m in (
        agriculture_quarterly_report,
        commerce_foreign_investment,
        culture_tourism_sdmx,
        ecology_environment_monthly,
        human_resources_employment,
        market_regulation_patents,
        sasac_soe_quarterly,
        science_tech_data_service,
        stats_data_portal,
        stats_monthly_report,
        transport_road_safety,
    )
}

FILE_GENERATORS: dict[str, FileGenerator] = {
    m.SOURCE_ID: m.files for m in (bureau_progress_returns, bureau_return_reviews)
}
