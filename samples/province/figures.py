"""Monthly figures of every county, shaped like the bundled sample releases.

Each source's series (label or code, measure, unit as published, status) and the district's latest 2024
figure of each are taken from that source's own sample generator (samples/sources/), keeping only what
its registry entry takes. A county's figure is the district's scaled by the county's size factor and a
5 % a year trend, spread over the months of the year the way year-to-date flows accumulate (never
decreasing, so the raw layer passes the quality rules as the samples do); growth rates and held rates
vary a little around the district's. Noise comes from a fixed table, not a random generator per figure:
a 100x province writes about fifty million figures.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from datetime import date

from ingest.formats.base import SampleFigure, SampleRelease
from ingest.normalise import Period
from ingest.registry import Source
from samples.province.regions import Region
from samples.sources import GENERATORS

SEED = 2024
FLOWS = ("ytd_value", "count_ytd")
GROWTHS = ("ytd_growth_pct", "month_growth_pct")
_NOISE = [random.Random(f"province-noise-{i}").random() for i in range(4099)]


def _share(month: int) -> float:
    """Share of a year's flow done by the end of `month` (back-loaded a little, 1.0 in December)."""
    return month / 12 * (0.9 + 0.1 * month / 12)


@dataclass(frozen=True)
class Series:
    series: str  # a label (label formats) or a series code (code formats) as the source writes it
    measure: str  # as the sample writer takes it
    kind: str  # the measure the registry loads it as (what the figure's size follows)
    unit: str | None
    from_january: bool  # the district's figure covers January to its month (a 1-m月 period)
    month: int  # the month the district's figure ends in (a year-to-date figure runs to it)
    value: float | None  # the district's latest 2024 figure; None: the bureau publishes it as missing
    status: str | None


@dataclass(frozen=True)
class Template:
    source_id: str
    series: tuple[Series, ...]
    names: dict[str, str]  # series -> name as published (code formats)


def _number(value: float | str | None) -> float | None:
    if value is None or value == "":
        return None
    return float(str(value).replace(",", ""))


def _district_codes(source: Source) -> set[str | None]:
    regions = getattr(source.options, "regions", None) or {}
    return {None} | {code for code, region in regions.items() if region == source.region}


def _registry_measure(source: Source, series: str, measure: str) -> str | None:
    """The measure the registry entry loads this series as, or None when it does not take the series."""
    if source.mapping_for(series) is not None:  # a label format: the figure's column decides
        return measure if source.mapping_for(series, measure) is not None else None
    zb = getattr(source.options, "zb", None)
    if zb is not None:
        return zb[series].measure if series in zb else None
    wanted = dict(part.split("=", 1) for part in series.split(",") if "=" in part)
    return next((s.measure for s in getattr(source.options, "series", []) if s.key == wanted), None)


def template(source: Source) -> Template:
    """The district's series of one source, from the source's sample generator, up to December 2024."""
    generator = GENERATORS[source.id]
    latest: dict[tuple[str, str], tuple[tuple[int, int], SampleFigure]] = {}
    names: dict[str, str] = {}
    for year, month in source.periods_to_fetch(date(2024, 12, 1)):
        release = generator(year, month, SEED) if year == 2024 else None
        if release is None:
            continue
        names |= release.names
        for f in release.figures:
            if f.action == "D" or f.region not in _district_codes(source):
                continue
            if _registry_measure(source, f.series, f.measure) is None:
                continue
            key, when = (f.series, f.measure), (f.period.year, f.period.end_month)
            if key not in latest or when >= latest[key][0]:
                latest[key] = (when, f)
    series = tuple(
        Series(
            f.series,
            f.measure,
            _registry_measure(source, f.series, f.measure) or f.measure,
            f.unit,
            f.period.start_month == 1,
            f.period.end_month,
            _number(f.value),
            f.status,
        )
        for _, f in sorted(latest.values(), key=lambda item: (item[1].series, item[1].measure))
    )
    if not series:
        raise ValueError(f"source {source.id}: its sample generator writes no series the registry takes")
    return Template(source.id, series, {k: v for k, v in names.items() if any(s.series == k for s in series)})


def _noise(region: Region, series: Series, year: int, month: int) -> float:
    """A number in [0, 1), fixed for the county, series, year and month."""
    base = zlib.crc32(f"{region.code}|{series.series}|{series.measure}".encode())
    return _NOISE[(base + year * 13 + month) % len(_NOISE)]


def value(series: Series, region: Region, year: int, month: int) -> float | None:
    """One county's figure of one series for the period ending in `month` of `year`."""
    if series.value is None:
        return None
    trend = 1.05 ** (year - 2024)
    wobble = _noise(region, series, year, month) - 0.5
    if series.kind in FLOWS:
        total = abs(series.value) / _share(series.month) * region.factor * trend
        flow = total * _share(month)
        return float(math.floor(flow)) if series.kind == "count_ytd" else round(flow, 2)
    if series.kind == "month_value":
        total = abs(series.value) / (_share(series.month) - _share(series.month - 1)) * region.factor * trend
        return round(total * (_share(month) - _share(month - 1)), 2)
    if series.kind in GROWTHS:
        return round(series.value + 2 * wobble, 1)
    if series.kind == "rate_pct":
        return round(min(100.0, max(0.0, series.value + 4 * wobble)), 1)
    return round(series.value * region.factor * trend * (1 + 0.003 * (month - 12)), 2)  # a level


def release(
    tmpl: Template, year: int, month: int, regions: list[Region], *, code_format: bool
) -> SampleRelease:
    """Every county's figures for one month: year to date where the district's are, else the month."""
    to_date, in_month = Period(year, 1, month), Period(year, month, month)
    figures = [
        SampleFigure(
            s.series,
            s.measure,
            to_date if s.from_january and not code_format else in_month,
            value(s, r, year, month),
            region=r.code,
            unit=s.unit,
            status=s.status,
        )
        for r in regions
        for s in tmpl.series
    ]
    return SampleRelease(
        year,
        month,
        figures,
        period=to_date,
        names=tmpl.names,
        region_names={r.code: r.name for r in regions} if code_format else {},
    )
