"""SDMX-CSV 2.0 data messages, read with the csv module.

    STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,MEASURE,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS
    dataflow,ZJ_STATS:DF_COUNTY(1.0),I,330211,TOUR_REV,YTD,2024-Q2,152.3,CNY,8,A

Why the csv module and not pysdmx or sdmx1: neither is a dependency of the project, both are built to
fetch structures (DSD, codelists) from a registry over the network, and here the registry entry already
says which codes we take. What SDMX-CSV needs beyond CSV is small and is all here: header ids with
optional labels ("INDICATOR: Indicator"), ACTION, TIME_PERIOD forms, UNIT_MULT and OBS_STATUS.

- STRUCTURE_ID must match the registry's `structure_id` when one is given: another dataflow is rejected.
- ACTION: I (information), A (append) and R (replace) rows are observations. D (delete) rows are kept as a
  deletion: the observation gets a new vintage whose value is null and value_raw "ACTION=D", because the
  raw layer never deletes; "latest" then says the figure was withdrawn, and "as known on date X" still
  finds the old figure. A message without an ACTION column is all I.
- TIME_PERIOD: 2024-03 / 2024-M03 (a month), 2024-Q1 (a quarter), 2024-S1 (a half year), 2024 / 2024-A1
  (the year). A year-to-date measure starts in January whatever the period's first month
  (parsers.base.period_for).
- OBS_VALUE scaled by UNIT_MULT: the record keeps OBS_VALUE as published and a multiplier of
  unit × 10^UNIT_MULT (CNY with UNIT_MULT 8 is 亿元), so a changed UNIT_MULT is a changed unit and is
  rejected against the registry's declared unit.
- OBS_STATUS (A normal, P provisional, E estimated, B break, ...) is kept in the raw layer's obs_status.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from ingest.errors import Location, ReleaseError
from ingest.normalise import NormaliseError, Period, Unit, parse_unit, to_halfwidth
from ingest.parsers.base import ParsedRelease, Record, make_record, period_for
from ingest.parsers.csv_table import read_delimited
from ingest.registry import SdmxCsvOptions, SdmxSeries, Source

FIXED = ("STRUCTURE", "STRUCTURE_ID", "TIME_PERIOD", "OBS_VALUE")
ACTIONS = frozenset({"I", "A", "R", "D"})


def parse_time_period(text: str) -> Period:
    """SDMX TIME_PERIOD in the forms statistical offices send for monthly, quarterly and annual data."""
    t = text.strip()
    if m := re.fullmatch(r"(\d{4})-M?(0[1-9]|1[0-2])", t):
        month = int(m.group(2))
        return Period(int(m.group(1)), month, month)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", t):
        q = int(m.group(2))
        return Period(int(m.group(1)), 3 * q - 2, 3 * q)
    if m := re.fullmatch(r"(\d{4})-S([12])", t):
        half = int(m.group(2))
        return Period(int(m.group(1)), 6 * half - 5, 6 * half)
    if m := re.fullmatch(r"(\d{4})(-A1)?", t):
        return Period(int(m.group(1)), 1, 12)
    raise ValueError(f"TIME_PERIOD {text!r} is not YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY")


def _code(cell: str) -> str:
    """'TOUR_REV: Tourism revenue' -> 'TOUR_REV' (SDMX-CSV with labels=both); plain codes unchanged."""
    return cell.split(": ", 1)[0].strip()


def parse_sdmx_csv(content: bytes, source: Source, file_name: str) -> ParsedRelease:
    opts = source.options
    assert isinstance(opts, SdmxCsvOptions)
    return read_delimited(
        content,
        "utf-8-sig" if opts.encoding == "auto" else opts.encoding,
        opts.delimiter,
        Location(source.id, file_name),
        lambda rows: _parse_rows(rows, source, file_name, opts),
    )


def _parse_rows(
    reader: Iterator[list[str]], source: Source, file_name: str, opts: SdmxCsvOptions
) -> ParsedRelease:
    where = Location(source.id, file_name)
    try:
        header = [_code(to_halfwidth(h)) for h in next(reader)]
    except StopIteration:
        raise ReleaseError(where, "the file is empty", "an SDMX-CSV header row") from None
    dimensions = sorted({d for s in opts.series for d in s.key})
    required = [*FIXED, *dimensions, *([opts.region_dimension] if opts.region_dimension else [])]
    missing = [c for c in dict.fromkeys(required) if c not in header]
    if missing:
        raise ReleaseError(
            Location(source.id, file_name, None, 1, ", ".join(missing)),
            f"columns missing or renamed: {', '.join(missing)} (header is {header})",
            f"SDMX-CSV 2.0 columns {list(dict.fromkeys(required))}",
        )
    col = {name: i for i, name in enumerate(header)}
    # series looked up by their key codes, grouped by the dimensions each key names
    groups: dict[tuple[str, ...], dict[tuple[str, ...], SdmxSeries]] = {}
    for s in opts.series:
        dims = tuple(sorted(s.key))
        groups.setdefault(dims, {})[tuple(s.key[d] for d in dims)] = s
    lookup = list(groups.items())
    result = ParsedRelease()
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ReleaseError(
                Location(source.id, file_name, None, line_no),
                f"row has {len(row)} fields (file truncated or a stray delimiter?)",
                f"{len(header)} fields as in the header",
            )

        def cell(name: str, row: list[str] = row) -> str:
            return row[col[name]].strip() if name in col else ""

        if opts.structure_id and cell("STRUCTURE_ID") != opts.structure_id:
            raise ReleaseError(
                Location(source.id, file_name, None, line_no, "STRUCTURE_ID"),
                f"STRUCTURE_ID is {cell('STRUCTURE_ID')!r}",
                f"{opts.structure_id!r} as declared in the source registry",
            )
        action = cell("ACTION") or "I"
        if action not in ACTIONS:
            raise ReleaseError(
                Location(source.id, file_name, None, line_no, "ACTION"), f"ACTION {action!r}", "I, A, R or D"
            )
        series = next(
            (found for dims, table in lookup if (found := table.get(tuple(_code(cell(d)) for d in dims)))),
            None,
        )
        if series is None:
            continue  # a dataflow carries more series than the registry takes
        region = source.region
        if opts.region_dimension:
            region_code = _code(cell(opts.region_dimension))
            if opts.regions is not None:
                if region_code not in opts.regions:
                    continue
                region = opts.regions[region_code]
            else:
                region = region_code
        try:
            period = parse_time_period(cell("TIME_PERIOD"))
        except ValueError as exc:
            raise ReleaseError(
                Location(source.id, file_name, None, line_no, "TIME_PERIOD"),
                str(exc),
                "2024-03, 2024-Q1 or 2024",
            ) from exc
        mapping = source.mapping_for(series.indicator)
        assert mapping is not None  # the registry checked that every series names an indicator
        unit = _unit(
            cell(opts.unit_column), cell("UNIT_MULT"), opts, Location(source.id, file_name, None, line_no)
        )
        raw_value: object = cell("OBS_VALUE")
        if action == "D":
            raw_value = None
        record = make_record(
            source=source,
            where=Location(source.id, file_name, None, line_no, "OBS_VALUE"),
            mapping=mapping,
            period=period_for(series.measure, period),
            measure=series.measure,
            raw_value=raw_value,
            unit_text=None,
            region=region,
            label_raw=" ".join(f"{d}={cell(d)}" for d in series.key),
            unit=unit,
            status=cell("OBS_STATUS") or None,
        )
        if action == "D":
            record = _as_deletion(record)
        result.records.append(record)
    return result


def _unit(code: str, mult: str, opts: SdmxCsvOptions, where: Location) -> Unit | None:
    """UNIT_MEASURE through the registry's units map, scaled by 10^UNIT_MULT; None: the declared unit."""
    if not code:
        return None
    if code not in opts.units:
        raise ReleaseError(
            Location(where.source_id, where.file, None, where.row, opts.unit_column),
            f"unit code {code!r} is not mapped",
            f"one of {sorted(opts.units)} (sdmx_csv.units in the source registry)",
        )
    try:
        base = parse_unit(opts.units[code])
        exponent = int(mult) if mult else 0
    except (NormaliseError, ValueError) as exc:
        raise ReleaseError(
            Location(where.source_id, where.file, None, where.row, "UNIT_MULT"),
            str(exc),
            "an integer power of ten",
        ) from exc
    if base.canonical in ("percent", "percentage_point") and exponent:
        raise ReleaseError(
            Location(where.source_id, where.file, None, where.row, "UNIT_MULT"),
            f"UNIT_MULT {exponent} on a percentage",
            "UNIT_MULT 0 for percentages",
        )
    raw = code if not exponent else f"{code}×10^{exponent}"
    return Unit(raw, base.canonical, base.multiplier * 10**exponent)


def _as_deletion(record: Record) -> Record:
    return replace(record, value=None, value_raw="ACTION=D")
