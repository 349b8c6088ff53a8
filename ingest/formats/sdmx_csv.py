"""sdmx_csv: SDMX-CSV data messages, version 1.0 and 2.0, read by DuckDB's CSV reader.

    STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,MEASURE,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS
    dataflow,ZJ_STATS:DF_COUNTY(1.0),I,330211,TOUR_REV,YTD,2024-Q2,152.3,CNY,8,A

- Version 2.0 starts with STRUCTURE (dataflow, datastructure or dataprovision) and STRUCTURE_ID, with an
  optional ACTION. A first header `STRUCTURE[;]` (as the IMF sends it) declares the delimiter *within*
  multi-valued attribute values, not the column delimiter: columns are separated by commas, or by the
  `delimiter` the entry gives (`;` is recognised when the header has no comma). Version 1.0 (the default
  of many agencies' bulk files, e.g. the OECD's) starts with DATAFLOW holding the dataflow id and has no
  ACTION (all I).
- Headers and values may carry labels (`INDICATOR: Indicator`, `TOUR_REV: Tourism revenue`): codes are
  used. A series is picked by its dimension codes (the registry's `series`).
- STRUCTURE_ID (DATAFLOW in 1.0) must match `structure_id` when given: another dataflow is rejected.
- ACTION: I (information), A (append) and R (replace) are observations. D (delete) is kept as a deletion,
  a new vintage with value null and value_raw ACTION=D (the raw layer never deletes, so "as known on date
  X" still finds the old figure); a deletion of a figure this source never loaded rejects the release.
- TIME_PERIOD: 2024-03 / 2024-M03, 2024-Q1, 2024-S1, 2024 / 2024-A1.
- OBS_VALUE is kept as published with a multiplier of unit × 10^UNIT_MULT (CNY with UNIT_MULT 8 is 亿元):
  a changed UNIT_MULT is a changed unit, checked against the declared one; |UNIT_MULT| above 15 and any
  UNIT_MULT on a percentage are rejected. 1e999 is not finite and is rejected.

Why DuckDB and not pysdmx: pysdmx reads through pandas, per observation, around structures fetched from
a registry; here the entry names the codes, and a release loads at the engine's speed with errors naming
the line. The tests read the real files with pysdmx too and compare (tests/ingest/test_sdmx_csv.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import duckdb
from pydantic import Field, model_validator

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats import delimited
from ingest.formats.base import Cells, Format, Measure, Proposal, ReleaseContext, SampleRelease, Strict
from ingest.formats.proposing import base_entry, frequency_of, guess_measure, indicator
from ingest.normalise import NormaliseError, Period, Unit, parse_unit, to_halfwidth

if TYPE_CHECKING:
    from ingest.registry import Source

ACTIONS = frozenset({"I", "A", "R", "D"})
MAX_UNIT_MULT = 15


class SdmxSeries(Strict):
    """One series of an SDMX dataflow: the dimension codes that pick it, and what it is in planwatch."""

    key: Annotated[
        dict[str, str], Field(min_length=1, description="dimension id -> code, e.g. {INDICATOR: X}")
    ]
    indicator: str = Field(description="label of an entry in `indicators`")
    measure: Measure


class SdmxCsvOptions(Strict):
    """SDMX-CSV 1.0 or 2.0 (dimensions, TIME_PERIOD, OBS_VALUE, attributes)."""

    structure_id: str | None = Field(None, description="expected STRUCTURE_ID (DATAFLOW in 1.0)")
    encoding: Literal["auto", "utf-8", "utf-8-sig"] = "auto"
    delimiter: str | None = Field(
        None, description="column delimiter; None: , (or ; when the header has no ,)"
    )
    series: Annotated[list[SdmxSeries], Field(min_length=1)]
    region_dimension: str | None = Field("REF_AREA", description="dimension holding the region, if any")
    regions: dict[str, str] | None = Field(
        None, description="region code -> planwatch region; others skipped"
    )
    unit_column: str = Field("UNIT_MEASURE", description="attribute holding the unit code")
    unit_mult_column: str = Field("UNIT_MULT", description="attribute holding the power of ten")
    units: dict[str, str] = Field(
        default_factory=dict,
        description="unit code -> a unit planwatch knows (元, %, 头, 吨, 人, ...); UNIT_MULT scales it by 10^n",
    )

    @model_validator(mode="after")
    def _one_key_shape(self) -> SdmxCsvOptions:
        shapes = {tuple(sorted(s.key)) for s in self.series}
        if len(shapes) > 1:
            raise ValueError(f"every series must name the same dimensions (found {sorted(shapes)})")
        return self

    @property
    def dimensions(self) -> list[str]:
        return sorted(self.series[0].key)


def _options(source: Source) -> SdmxCsvOptions:
    opts = source.options
    assert isinstance(opts, SdmxCsvOptions)
    return opts


def series_key(codes: dict[str, str]) -> str:
    return ",".join(f"{d}={codes[d]}" for d in sorted(codes))


def parse_time_period(text: str) -> Period:
    """SDMX TIME_PERIOD in the forms statistical offices send for monthly, quarterly and annual data."""
    t = to_halfwidth(text).strip()
    if m := re.fullmatch(r"(\d{4})-M?(0[1-9]|1[0-2])", t):
        return Period(int(m.group(1)), int(m.group(2)), int(m.group(2)))
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", t):
        q = int(m.group(2))
        return Period(int(m.group(1)), 3 * q - 2, 3 * q)
    if m := re.fullmatch(r"(\d{4})-S([12])", t):
        half = int(m.group(2))
        return Period(int(m.group(1)), 6 * half - 5, 6 * half)
    if m := re.fullmatch(r"(\d{4})(-A1)?", t):
        return Period(int(m.group(1)), 1, 12)
    raise ValueError(f"TIME_PERIOD {text!r} is not YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY")


def code_of(cell: str) -> str:
    """'TOUR_REV: Tourism revenue' -> 'TOUR_REV'; 'STRUCTURE[;]' -> 'STRUCTURE'; plain codes unchanged."""
    return re.sub(r"\[.*\]$", "", cell.split(": ", 1)[0].strip())


def _sql_code(column: str) -> str:
    return f"trim(split_part({column}, ': ', 1))"


def _header(text: delimited.Text, configured: str | None) -> tuple[list[str], str, int]:
    """Header codes, the delimiter, and the version (1 or 2)."""
    raw = text.path.read_bytes()[: 1 << 16].decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    first = raw[0] if raw else ""
    delimiter = configured or ("," if "," in first else ";")
    cells = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    codes = [code_of(to_halfwidth(c)) for c in cells]
    version = 2 if codes[:1] == ["STRUCTURE"] else 1 if codes[:1] == ["DATAFLOW"] else 0
    return codes, delimiter, version


def read(data: Path | bytes, source: Source, ctx: ReleaseContext) -> Cells:
    opts = _options(source)
    where = Location(source.id, ctx.file_name)
    enc = "utf-8" if opts.encoding == "auto" else opts.encoding
    text = delimited.prepare(data, enc, where, source.limits.max_line_bytes)
    try:
        return _cells(text, opts, source, ctx)
    except BaseException:
        for p in text.temp:
            p.unlink(missing_ok=True)
        raise


def _cells(text: delimited.Text, opts: SdmxCsvOptions, source: Source, ctx: ReleaseContext) -> Cells:
    codes, delimiter, version = _header(text, opts.delimiter)
    if version == 0:
        raise ReleaseError(
            Location(source.id, ctx.file_name, None, 1),
            f"header starts with {codes[:1]}",
            "SDMX-CSV: STRUCTURE (2.0) or DATAFLOW (1.0) first",
        )
    text.header = codes
    flow = "STRUCTURE_ID" if version == 2 else "DATAFLOW"
    required = [
        flow,
        "TIME_PERIOD",
        "OBS_VALUE",
        *opts.dimensions,
        *([opts.region_dimension] if opts.region_dimension else []),
    ]
    missing = [c for c in dict.fromkeys(required) if c not in codes]
    if missing:
        raise ReleaseError(
            Location(source.id, ctx.file_name, None, 1, ", ".join(missing)),
            f"columns missing or renamed: {', '.join(missing)} (header is {codes})",
            f"SDMX-CSV {version}.0 columns {list(dict.fromkeys(required))}",
        )
    c = {name: f"c{i}" for i, name in enumerate(codes)}
    rows = delimited.read_csv_sql(text, delimiter, source.limits.max_line_bytes)
    _check_flow_and_actions(rows, c, flow, opts, source, ctx)
    key = " || ',' || ".join(f"'{d}=' || {_sql_code(c[d])}" for d in opts.dimensions)
    unit = _sql_code(c[opts.unit_column]) if opts.unit_column in c else "''"
    mult = _sql_code(c[opts.unit_mult_column]) if opts.unit_mult_column in c else "''"

    def opt(name: str | None) -> str:
        return _sql_code(c[name]) if name and name in c else "cast(null as varchar)"

    sql = f"""
        select file_row, cast(null as varchar) as sheet, 'OBS_VALUE' as col, {key} as key, {key} as label,
               nullif(coalesce({unit}, '') || '|' || coalesce({mult}, ''), '|') as unit_text,
               cast(null as varchar) as col_unit, trim({c["TIME_PERIOD"]}) as period_text,
               {opt(opts.region_dimension)} as region_text, cast(null as varchar) as measure,
               trim({c["OBS_VALUE"]}) as value_text, cast(null as double) as value_num,
               nullif({opt("OBS_STATUS")}, '') as status, nullif({opt("ACTION")}, '') as action
        from {delimited.FILE_ROWS}
    """
    return Cells(
        sql=sql,
        file_sql=rows,
        code_series={series_key(s.key): (s.indicator, s.measure) for s in opts.series},
        regions=opts.regions,
        temp_files=text.temp,
        columns={
            "period": "TIME_PERIOD",
            "region": opts.region_dimension or "",
            "unit": opts.unit_column,
            "period_form": "2024-03, 2024-Q1 or 2024",
        },
        explain=delimited.explainer(source.id, ctx.file_name),
    )


def _check_flow_and_actions(
    rows: str, c: dict[str, str], flow: str, opts: SdmxCsvOptions, source: Source, ctx: ReleaseContext
) -> None:
    """Structure as declared, ACTION one of I, A, R, D; a wrong row's line is looked up only if there is one."""
    action = _sql_code(c["ACTION"]) if "ACTION" in c else "'I'"
    pair = f"{_sql_code(c[flow])} as structure, coalesce(nullif({action}, ''), 'I') as act"
    wrong = "act not in (select unnest($1)) or coalesce(structure, '') <> coalesce($2, structure, '')"
    declared, params = opts.structure_id, [sorted(ACTIONS), opts.structure_id]
    numbered = f"select file_row, {pair} from ({delimited.numbered(rows)})"
    with delimited.scratch() as con:
        try:
            if not con.execute(
                f"select 1 from (select {pair} from ({rows})) where {wrong} limit 1",
                params,
            ).fetchall():
                return
            structure, act, row = con.execute(
                f"select structure, act, file_row from ({numbered}) where {wrong} order by file_row limit 1",
                params,
            ).fetchall()[0]
        except duckdb.Error as exc:
            found_error = delimited.explainer(source.id, ctx.file_name)(exc)
            raise (found_error or ReleaseError(Location(source.id, ctx.file_name), str(exc))) from exc
    bad_flow = bool(declared) and structure != declared
    raise ReleaseError(
        Location(source.id, ctx.file_name, None, row, flow if bad_flow else "ACTION"),
        f"{flow} is {structure!r}" if bad_flow else f"ACTION {act!r}",
        f"{declared!r} as declared in the source registry" if bad_flow else "I, A, R or D",
    )


def parse_coded_unit(text: str, options: Any) -> Unit | None:
    """'CNY|8' -> 元 × 10^8 through the registry's units map; '' -> None (the declared unit)."""
    code, _, mult = text.partition("|")
    if not code:
        return None
    if code not in options.units:
        raise ValueError(
            f"unit code {code!r} is not mapped; expected one of {sorted(options.units)} (sdmx_csv.units)"
        )
    try:
        exponent = int(mult) if mult else 0
    except ValueError:
        raise ValueError(f"UNIT_MULT {mult!r} is not an integer power of ten") from None
    if abs(exponent) > MAX_UNIT_MULT:
        raise ValueError(f"UNIT_MULT {exponent} is outside ±{MAX_UNIT_MULT}")
    try:
        base = parse_unit(options.units[code])
    except NormaliseError as exc:
        raise ValueError(str(exc)) from exc
    if base.canonical in ("percent", "percentage_point") and exponent:
        raise ValueError(f"UNIT_MULT {exponent} on a percentage; expected UNIT_MULT 0 for percentages")
    return Unit(
        code if not exponent else f"{code}×10^{exponent}", base.canonical, base.multiplier * 10**exponent
    )


# -- proposing and sample writing -----------------------------------------------------------------------

_NON_DIMENSIONS = {"STRUCTURE", "STRUCTURE_ID", "DATAFLOW", "ACTION", "TIME_PERIOD", "OBS_VALUE", "UNIT_MULT",
                   "OBS_STATUS", "UNIT_MEASURE", "DECIMALS", "COMMENT", "OBS_CONF", "TIME_FORMAT", "OBS_COMMENT"}  # fmt: skip
_UNIT_GUESS = {
    "CNY": "元",
    "PT": "%",
    "PC": "%",
    "PS": "人",
    "USD": "美元",
    "T": "吨",
    "HEAD": "头",
    "M2": "平方米",
}


def sniff(content: bytes, path: Path) -> bool:
    first = content.lstrip(b"\xef\xbb\xbf")[:64].upper()
    return path.suffix.lower() in (".csv", ".txt") and first.startswith((b"STRUCTURE", b"DATAFLOW"))


def propose(content: bytes, path: Path) -> Proposal:
    text = content.decode("utf-8-sig", "replace")
    first = text.split("\n", 1)[0]
    delimiter = "," if "," in first else ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [code_of(h) for h in rows[0]]
    body = [{h: code_of(v) for h, v in zip(header, r, strict=False)} for r in rows[1:] if r]
    if not body:
        raise ReleaseError(
            Location("new", path.name), "an SDMX-CSV header without observations", "observations"
        )
    dims = [h for h in header if h not in _NON_DIMENSIONS]
    region = "REF_AREA" if "REF_AREA" in dims else None
    series_dims = [d for d in dims if d != region]
    keys = Counter(tuple(r.get(d, "") for d in series_dims) for r in body if r.get("ACTION", "I") != "D")
    flow = "STRUCTURE_ID" if "STRUCTURE_ID" in header else "DATAFLOW"
    flows = sorted({r.get(flow, "") for r in body})
    periods = [parse_time_period(r["TIME_PERIOD"]) for r in body]
    units = sorted({r.get("UNIT_MEASURE", "") for r in body} - {""})
    notes = [
        f"SDMX-CSV {'2.0' if flow == 'STRUCTURE_ID' else '1.0'}; dataflow(s) {flows}; dimensions {dims}; {len(keys)} series; units {units}"
    ]
    series, indicators = [], []
    for key in keys:
        label = " ".join(key)
        measure = guess_measure(key[-1]) or ("ytd_growth_pct" if "GR" in key[-1] else "ytd_value")
        series.append(
            {"key": dict(zip(series_dims, key, strict=True)), "indicator": label, "measure": measure}
        )
        indicators.append(indicator(label, None, [measure]))
    entry = base_entry(
        path, "sdmx_csv", frequency_of([(p.start_month, p.end_month) for p in periods]), path.stem
    )
    entry["sdmx_csv"] = {
        "structure_id": flows[0] if len(flows) == 1 else None,
        "encoding": "utf-8-sig" if content.startswith(b"\xef\xbb\xbf") else "utf-8",
        "delimiter": delimiter if delimiter != "," else None,
        "region_dimension": region,
        "regions": {sorted({r[region] for r in body})[-1]: "district"} if region else None,
        "units": {u: _UNIT_GUESS.get(u, u) for u in units},
        "series": series,
    }
    entry["indicators"] = indicators
    notes.append("series of one indicator share its label: merge them into one indicator with two measures")
    return Proposal(entry, notes)


def time_period(period: Period) -> str:
    if (period.start_month, period.end_month) == (1, 12):
        return str(period.year)
    if period.start_month == period.end_month:
        return f"{period.year}-{period.end_month:02d}"
    if period.end_month - period.start_month == 5:
        return f"{period.year}-S{period.end_month // 6}"
    return f"{period.year}-Q{(period.end_month + 2) // 3}"


def write_sample(source: Source, release: SampleRelease) -> bytes:
    """SDMX-CSV 2.0; series are written as 'DIM=CODE,DIM=CODE', units as 'CODE|UNIT_MULT'."""
    opts = _options(source)
    flow = opts.structure_id or "AGENCY:DF(1.0)"
    dims = sorted({part.split("=")[0] for f in release.figures for part in f.series.split(",")})
    region = [opts.region_dimension] if opts.region_dimension else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "STRUCTURE",
            "STRUCTURE_ID",
            "ACTION",
            *region,
            *dims,
            "TIME_PERIOD",
            "OBS_VALUE",
            opts.unit_column,
            opts.unit_mult_column,
            "OBS_STATUS",
        ]
    )
    for f in release.figures:
        codes = dict(part.split("=", 1) for part in f.series.split(","))
        unit, _, mult = (f.unit or "").partition("|")
        value = "" if f.value is None else f.value if isinstance(f.value, str) else f"{f.value:.15g}"
        writer.writerow(["dataflow", flow, f.action or "I", *([f.region or ""] if region else []), *(codes.get(d, "") for d in dims),
                         time_period(f.period), value, unit, mult, f.status or ""])  # fmt: skip
    return out.getvalue().encode("utf-8")


def _labels(options: Any) -> list[str]:
    return [s.indicator for s in options.series]


def _period(text: str) -> Period:
    return parse_time_period(text)


FORMAT = Format(
    name="sdmx_csv",
    options=SdmxCsvOptions,
    read=read,
    propose=propose,
    write_sample=write_sample,
    sniff=sniff,
    key_kind="code",
    sandboxed=False,
    period_parser=_period,
    unit_parser=parse_coded_unit,
    labels_of=_labels,
)
