"""What every parser returns, and the checks every parser shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.vocabulary import vocabulary
from ingest.errors import Location, ReleaseError
from ingest.normalise import NormaliseError, Period, Unit, parse_number, parse_unit
from ingest.registry import IndicatorMapping, Source


@dataclass(frozen=True)
class Record:
    """One published figure, normalised but with what was published kept beside it."""

    indicator_code: str
    region_code: str
    period: Period
    measure: str
    value: float | None
    value_raw: str
    unit: str
    unit_raw: str
    unit_multiplier: float
    label_raw: str
    sheet: str | None
    row: int  # 1-based row in the file, as a person sees it in Excel or an editor
    status: str | None = None  # observation status as published (SDMX OBS_STATUS: A, P, E, B, ...)

    @property
    def key(self) -> tuple[str, str, int, int, int, str]:
        p = self.period
        return (self.indicator_code, self.region_code, p.year, p.start_month, p.end_month, self.measure)


@dataclass
class ParsedRelease:
    records: list[Record] = field(default_factory=list)
    release_date: date | None = None


def period_for(measure: str, period: Period) -> Period:
    """Year-to-date measures start in January; 本月 measures cover the period's last month.

    A 统计月报 titled 1-9月 gives 累计 columns for 1-9 and 本月 columns for 9; a CSV row labelled 2024年9月
    with a 累计值 column means 1-9月.
    """
    if measure.startswith("month_"):
        return Period(period.year, period.end_month, period.end_month)
    if measure.startswith("ytd_") or measure == "count_ytd":
        return Period(period.year, 1, period.end_month)
    return period


def make_record(
    *,
    source: Source,
    where: Location,
    mapping: IndicatorMapping,
    period: Period,
    measure: str,
    raw_value: object,
    unit_text: str | None,
    region: str,
    label_raw: str,
    unit: Unit | None = None,
    status: str | None = None,
) -> Record:
    """Build a record, turning every normalisation failure into a ReleaseError at this cell.

    `unit` is given by formats that carry units as codes (SDMX UNIT_MEASURE with UNIT_MULT); the others
    pass the unit text as published in `unit_text`.
    """
    try:
        value = parse_number(raw_value)
    except NormaliseError as exc:
        raise ReleaseError(
            where, f"{exc} (indicator {mapping.label})", "a number or a missing marker (—, …, -, 空)"
        ) from exc
    if unit is None:
        try:
            unit = (
                parse_unit("%")
                if vocabulary().measures[measure].is_percent
                else parse_unit(unit_text or mapping.unit)
            )
        except NormaliseError as exc:
            raise ReleaseError(where, str(exc), "a unit such as 亿元, 万元, 亿美元, %, 家") from exc
    if mapping.unit and not vocabulary().measures[measure].is_percent and not _same_unit(unit, mapping.unit):
        raise ReleaseError(
            where,
            f"unit of {mapping.label} changed to {unit.raw!r}",
            f"{mapping.unit!r} as declared in the source registry",
        )
    return Record(
        indicator_code=mapping.code,
        region_code=region,
        period=period,
        measure=measure,
        value=value,
        value_raw="" if raw_value is None else str(raw_value),
        unit=unit.canonical,
        unit_raw=unit.raw,
        unit_multiplier=unit.multiplier,
        label_raw=label_raw,
        sheet=where.sheet,
        row=where.row or 0,
        status=status,
    )


def _same_unit(unit: Unit, declared: str) -> bool:
    """As declared: the same text, or (for coded units) the same canonical unit and multiplier."""
    if unit.raw == declared:
        return True
    try:
        expected = parse_unit(declared)
    except NormaliseError:
        return False
    return unit.raw != expected.raw and (unit.canonical, unit.multiplier) == (
        expected.canonical,
        expected.multiplier,
    )


def check_release(records: list[Record], source: Source, file_name: str, today: date) -> None:
    """Checks that hold for every format: no duplicate keys, nothing from the future, something found."""
    where = Location(source.id, file_name)
    if not records:
        raise ReleaseError(
            where, "no indicator rows found", f"rows for {', '.join(m.label for m in source.indicators)}"
        )
    seen: dict[tuple[str, str, int, int, int, str], int] = {}
    for r in records:
        if r.key in seen:
            raise ReleaseError(
                Location(source.id, file_name, r.sheet, r.row),
                f"duplicate row for {r.label_raw} {r.period.label} {r.measure} (first at row {seen[r.key]})",
                "one row per indicator, period and measure",
            )
        seen[r.key] = r.row
        if (r.period.year, r.period.end_month) > (today.year, today.month):
            raise ReleaseError(
                Location(source.id, file_name, r.sheet, r.row),
                f"period {r.period.label} is in the future",
                f"a period ending by {today:%Y-%m}",
            )
