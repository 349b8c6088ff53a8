"""A registry entry tried on a release laid out as it describes: the format writes one, the entry reads it.

What this catches before any night depends on it: a header pattern or a period pattern that can never
match what it names, a column mapped to nothing, a unit that is not in the vocabulary, an SDMX unit code
that is not mapped. It is one of the checks of `planwatch sources check` and of the nightly run before
it fetches anything (ingest.registry.check_registry).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from core.errors import PlanwatchError
from core.vocabulary import vocabulary
from ingest import raw_store
from ingest.formats import FORMATS
from ingest.formats.base import ReleaseContext, SampleFigure, SampleRelease
from ingest.normalise import NormaliseError, Period, parse_unit

if TYPE_CHECKING:
    from ingest.registry import IndicatorMapping, Source


def _first_period(source: Source) -> tuple[int, int]:
    y, m = (int(x) for x in source.release.first_period.split("-"))
    for year, month in source.periods_to_fetch(date(y + 1, m, 1)):
        return year, month
    return y, m


def _coded_unit(source: Source, mapping: IndicatorMapping, measure: str) -> str | None:
    """For an SDMX entry: 'CODE|UNIT_MULT' that states the declared unit, if the units map can."""
    units = getattr(source.options, "units", None)
    if units is None:
        return None
    want = parse_unit("%" if vocabulary().measures[measure].is_percent else mapping.unit or "%")
    for code, text in units.items():
        base = parse_unit(text)
        for k in range(0, 13):
            if (
                base.canonical == want.canonical
                and abs(base.multiplier * 10**k - want.multiplier) < 1e-9 * want.multiplier
            ):
                return f"{code}|{k}"
    return ""


def sample_figures(source: Source, year: int, month: int) -> list[SampleFigure]:
    """One figure (1.0) for every series the entry takes, published for the month (year, month)."""
    fmt = FORMATS[source.format]
    figures: list[SampleFigure] = []
    pairs: list[tuple[str, str, str]] = []  # series, indicator label, measure
    if fmt.key_kind == "code":
        opts: Any = source.options
        if hasattr(opts, "zb"):
            pairs = [(code, s.indicator, s.measure) for code, s in opts.zb.items()]
        else:
            from ingest.formats.sdmx_csv import series_key

            pairs = [(series_key(s.key), s.indicator, s.measure) for s in opts.series]
    else:
        columns = list(getattr(source.options, "columns", {}).values())
        for m in source.indicators:
            taken = [c for c in columns if not m.measures or c in m.measures]
            pairs += [(m.label, m.label, taken[0])] if taken else []
    for series, label, measure in pairs:
        mapping = source.mapping_for(label, measure)
        if mapping is None:
            continue
        unit = _coded_unit(source, mapping, measure) if fmt.key_kind == "code" else None
        percent = vocabulary().measures[measure].is_percent
        if unit is None and (percent or not mapping.unit):
            unit = "%" if percent or mapping.index_base is None else None
        value = 1.0 + (mapping.index_base or 0.0)
        figures.append(SampleFigure(series, measure, Period(year, month, month), value, None, unit))
    return figures


def roundtrip_problems(source: Source) -> list[str]:
    fmt = FORMATS[source.format]
    year, month = _first_period(source)
    release = SampleRelease(year, month, sample_figures(source, year, month), period=Period(year, 1, month))
    try:
        content = fmt.write_sample(source, release)
    except (ValueError, NormaliseError, KeyError) as exc:
        return [f"field {source.format}: a release laid out as the entry describes cannot be written ({exc})"]
    ctx = ReleaseContext(
        source.location_for(year, month).rsplit("/", 1)[-1], year, month, date(year + 1, 12, 31)
    )
    with duckdb.connect() as con:
        raw_store.create_schema(con)
        from ingest.formats.engine import parse_release  # the engine imports the registry's formats

        try:
            parsed = parse_release(con, content, source, ctx)
            meta = raw_store.ReleaseMeta(
                source.id, "roundtrip", ctx.file_name, "", len(content), _now(), date(year, month, 1)
            )
            raw_store.load_release(con, meta, parsed, "roundtrip", _now())
        except PlanwatchError as exc:
            return [f"the entry does not read a release laid out as it describes: {exc}"]
    return []


def _now():  # noqa: ANN202 (a datetime; kept local so the module imports no clock at import time)
    from datetime import UTC, datetime

    return datetime.now(UTC)
