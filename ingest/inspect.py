"""Inspect a sample release and propose a registry entry for it (`planwatch sources add --sample FILE`).

The proposal is a starting point for a person: it names the format, the sheet, the title and header rows,
how each column maps to a measure, the indicators with their units, the periods seen and a location
template. Every proposal is tried on the sample itself with the real parser, and the result (records
parsed, or the error) is written at the top of the YAML, so the reviewer sees at once whether it works.
Indicator codes are matched by name against the indicator catalog when one is given; a row with no match
gets the code "?" and is listed at the top for the reviewer.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from python_calamine import CalamineWorkbook

from ingest.errors import PlanwatchError
from ingest.normalise import (
    NormaliseError,
    clean_label,
    parse_number,
    parse_period,
    parse_unit,
    split_name_and_unit,
    to_halfwidth,
)
from ingest.parsers.sdmx_csv import parse_time_period

log = logging.getLogger(__name__)

# header words -> measure, most specific first (a 累计 column's growth is ytd_growth_pct, etc.)
_MEASURE_WORDS: list[tuple[str, str]] = [
    (r"(累计|本年|年初至今|本期).*(增长|增速|增减)|^(增长|增速|同比增长|同比增减)", "ytd_growth_pct"),
    (r"(本月|当月).*(增长|增速|增减)", "month_growth_pct"),
    (r"(累计|本年累计|本期|绝对值|累计值)", "ytd_value"),
    (r"(本月|当月)", "month_value"),
    (r"(期末|年末|月末|拥有量|余额)", "level"),
    (r"(率|比重|占比)", "rate_pct"),
]
_UNIT_HEADERS = re.compile(r"^(单位|计量单位|unit)$", re.IGNORECASE)


class InspectError(PlanwatchError):
    """The sample cannot be read well enough to propose an entry."""


@dataclass
class Proposal:
    entry: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def propose_entry(path: Path, catalog: Path | None = None) -> str:
    """A proposed YAML registry entry for the sample release at `path`, with review notes on top."""
    content = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        proposal = _propose_excel(content, path)
    elif suffix == ".json":
        proposal = _propose_nbs_json(content, path)
    elif suffix in (".csv", ".txt"):
        text, encoding = _decode(content, path)
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        if first.startswith("STRUCTURE,") or first.startswith("STRUCTURE;"):
            proposal = _propose_sdmx(text, encoding, path)
        else:
            proposal = _propose_csv(text, encoding, path)
    else:
        raise InspectError(f"{path}: cannot tell the format from the suffix {suffix!r} (.xlsx, .csv, .json)")
    _match_codes(proposal, catalog)
    _try_parse(proposal, content, path)
    header = [f"# proposed by `planwatch sources add --sample {path.name}`: review every field before use"]
    header += [f"# {note}" for note in proposal.notes]
    body = yaml.safe_dump(proposal.entry, allow_unicode=True, sort_keys=False, width=110)
    return "\n".join(header) + "\n" + body


# -- common parts -------------------------------------------------------------------------------------------


def _location_and_calendar(path: Path, frequency: str) -> tuple[str, dict[str, Any], str]:
    """A location template from the file name (202403 -> {year}{month:02d}) and a release calendar."""
    name = path.name
    folder = path.parent.name
    if re.fullmatch(r"20\d{2}", folder):  # samples kept per year: the bureau folder is one level up
        folder = path.parent.parent.name
        name = "{year}/" + name
    if m := re.search(r"(20\d{2})(0[1-9]|1[0-2])", name):
        location = name[: m.start()] + "{year}{month:02d}" + name[m.end() :]
        first = f"{m.group(1)}-01"
    elif m := re.search(r"20\d{2}", name):
        location = name[: m.start()] + "{year}" + name[m.end() :]
        first = f"{m.group(0)}-01"
    else:
        location, first = name, "2024-01"
    stem = re.sub(r"[^a-z0-9]+", "_", re.sub(r"\{.*?\}", "", location.rsplit(".", 1)[0]).lower()).strip("_")
    source_id = (stem or "new_source") if stem[:1].isalpha() else f"source_{stem}"
    if re.fullmatch(r"[a-z][a-z0-9_]*", folder or ""):
        location = f"{folder}/{location}"
    calendar: dict[str, Any] = {
        "frequency": frequency,
        "description": "(describe when the bureau publishes, e.g. 每月15日前后发布上月数据)",
        "day_of_month": 15,
        "lag_months": 1,
        "first_period": first,
    }
    if frequency == "monthly" and "{month" in location:
        calendar["skip_months"] = [1]
    if frequency == "quarterly" and "{month" in location:
        calendar["skip_months"] = [1, 2, 4, 5, 7, 8, 10, 11]
    bureau = folder if re.fullmatch(r"[a-z][a-z0-9_]*", folder or "") else "bureau"
    return location, calendar, f"{source_id}|{bureau}"


def _base_entry(path: Path, fmt: str, frequency: str, title: str) -> dict[str, Any]:
    location, calendar, ids = _location_and_calendar(path, frequency)
    source_id, bureau = ids.split("|")
    return {
        "id": source_id,
        "bureau": bureau,
        "title": title,
        "format": fmt,
        "location": location,
        "release": calendar,
    }


def _frequency(periods: list[tuple[int, int]]) -> str:
    """monthly / quarterly / annual from the (start, end) months seen."""
    ends = {end for _, end in periods}
    if ends and ends <= {12} and all(start == 1 for start, _ in periods):
        return "annual"
    if ends and ends <= {3, 6, 9, 12} and len(ends) > 1:
        return "quarterly"
    return "monthly"


def _guess_measure(header: str) -> str | None:
    text = to_halfwidth(header).replace(" ", "")
    for pattern, measure in _MEASURE_WORDS:
        if re.search(pattern, text):
            return measure
    return None


def _decode(content: bytes, path: Path) -> tuple[str, str]:
    if content.startswith(b"\xef\xbb\xbf"):
        return content.decode("utf-8-sig"), "utf-8-sig"
    for enc in ("utf-8", "gb18030"):
        try:
            text = content.decode(enc)
        except UnicodeDecodeError:
            continue
        try:
            text.encode("gbk")
            return text, "gbk" if enc == "gb18030" else enc
        except UnicodeEncodeError:
            return text, enc
    raise InspectError(f"{path}: neither UTF-8 nor GB18030 text")


def _indicator(label: str, unit: str | None, measures: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"label": label, "code": "?"}
    if unit:
        entry["unit"] = unit
    if measures:
        entry["measures"] = measures
    return entry


def _match_codes(proposal: Proposal, catalog: Path | None) -> None:
    names: dict[str, str] = {}
    if catalog and catalog.is_file():
        with catalog.open(encoding="utf-8") as fh:
            names = {clean_label(r["name_zh"]): r["indicator_code"] for r in csv.DictReader(fh)}
    unmatched = []
    for ind in proposal.entry["indicators"]:
        code = names.get(clean_label(ind["label"]))
        if code is None:
            # a release's name often adds words (规模以上 for 规上, _累计值): take the catalog name it contains
            hits = [c for n, c in names.items() if n and n in clean_label(ind["label"])]
            code = hits[0] if len(hits) == 1 else None
        if code:
            ind["code"] = code
        else:
            unmatched.append(ind["label"])
    if unmatched:
        proposal.notes.append(
            "no indicator_code found for: " + ", ".join(unmatched) + " (code '?': fill in from indicators.csv"
            " or remove the row)"
        )


def _try_parse(proposal: Proposal, content: bytes, path: Path) -> None:
    from ingest.errors import ReleaseError
    from ingest.parsers import PARSERS
    from ingest.registry import Source

    try:
        source = Source.model_validate(proposal.entry)
        parsed = PARSERS[source.format](content, source, path.name)
    except (ReleaseError, ValueError) as exc:
        proposal.notes.append(f"the sample does NOT parse with this entry yet: {exc}")
        return
    periods = sorted({r.period.label for r in parsed.records})
    shown = ", ".join(periods[:6]) + (" ..." if len(periods) > 6 else "")
    proposal.notes.append(
        f"the sample parses with this entry: {len(parsed.records)} records, periods {shown}"
    )


# -- Excel 统计月报 ----------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return to_halfwidth(str(value)).strip()


def _is_number(value: object) -> bool:
    try:
        return parse_number(value) is not None
    except NormaliseError:
        return False


def _propose_excel(content: bytes, path: Path) -> Proposal:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    sheets = {
        name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in workbook.sheet_names
    }
    sheet = max(sheets, key=lambda n: sum(1 for r in sheets[n] if any(_is_number(c) for c in r[1:])))
    rows = [[_cell(c) for c in r] for r in sheets[sheet]]
    notes = [f"sheets in the workbook: {', '.join(sheets)}; proposed: {sheet!r} (the most numeric rows)"]
    # title rows: at the top, one non-empty cell
    title_rows = 0
    while title_rows < min(5, len(rows)) and sum(1 for c in rows[title_rows] if c) == 1:
        title_rows += 1
    first_data = next(
        (
            i
            for i in range(title_rows, len(rows))
            if rows[i] and rows[i][0] and any(_is_number(c) for c in rows[i][1:])
        ),
        None,
    )
    if first_data is None:
        raise InspectError(f"{path}: sheet {sheet!r} has no row with a label and numbers")
    header_rows = max(1, first_data - title_rows)
    title = " ".join(c for r in rows[:title_rows] for c in r if c)
    period_text = None
    pattern = r"(\d{4})年\s*(\d{1,2}\s*[-—–]\s*\d{1,2}月|\d{1,2}月|一季度|上半年|1-3季度|前三季度|全年)"
    if m := re.search(pattern, title):
        period_text = m.group(0)
    notes.append(f"title: {title!r}; period found: {period_text!r}")
    header = _joined_headers(rows[title_rows:first_data])
    # a unit column: a header named 单位, or a column whose cells are mostly units
    body = [r for r in rows[first_data:] if r and r[0] and not re.match(r"^(注|说明|备注|发布)", r[0])]
    unit_column = next((i for i, h in enumerate(header) if _UNIT_HEADERS.match(h.split("|")[-1])), None)
    columns: dict[str, str] = {}
    for i, h in enumerate(header):
        if i == 0 or i == unit_column or not h:
            continue
        if not any(_is_number(r[i]) for r in body if i < len(r)):
            continue
        measure = _guess_measure(h)
        if measure is None or measure in columns.values():
            notes.append(f"column {h!r}: no measure guessed (or a second {measure}); left out")
            continue
        columns[_header_regex(h, header)] = measure
    indicators = []
    for r in body:
        name, unit = split_name_and_unit(r[0])
        if unit_column is not None and unit_column < len(r) and r[unit_column]:
            unit = r[unit_column]
        indicators.append(_indicator(clean_label(name), unit))
    frequency = "monthly"
    if period_text:
        try:
            p = parse_period(period_text)
            frequency = "quarterly" if "季" in period_text or "半年" in period_text else "monthly"
            notes.append(f"period {p.label}")
        except NormaliseError:
            pass
    entry = _base_entry(path, "excel_report", frequency, title or path.stem)
    options: dict[str, Any] = {
        "sheet": sheet,
        "title_rows": title_rows,
        "header_rows": header_rows,
        "label_column": 0,
    }
    if unit_column is not None:
        options["unit_column"] = unit_column
    if period_text and not re.search(r"月$", period_text):
        options["period_pattern"] = pattern
    options["columns"] = columns
    entry["excel_report"] = options
    entry["indicators"] = indicators
    return Proposal(entry, notes)


def _joined_headers(header_rows: list[list[str]]) -> list[str]:
    width = max((len(r) for r in header_rows), default=0)
    filled = []
    for level, row in enumerate(header_rows):
        cells = [row[c] if c < len(row) else "" for c in range(width)]
        if level < len(header_rows) - 1:
            for c in range(1, width):
                cells[c] = cells[c] or cells[c - 1]
        filled.append(cells)
    return ["|".join(p for p in (r[c] for r in filled) if p) for c in range(width)]


def _header_regex(header: str, all_headers: list[str]) -> str:
    """The shortest anchored pattern that picks this header alone: its last part, else the whole text."""
    last = header.split("|")[-1]
    for candidate in (f"{re.escape(last)}$", f"^{re.escape(header)}$"):
        if sum(1 for h in all_headers if re.search(candidate, h)) == 1:
            return candidate
    return f"^{re.escape(header)}$"


# -- CSV tables ------------------------------------------------------------------------------------------------


def _propose_csv(text: str, encoding: str, path: Path) -> Proposal:
    sample = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(sample[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
    if len(rows) < 2:
        raise InspectError(f"{path}: fewer than two rows")
    header = [to_halfwidth(h).strip() for h in rows[0]]
    body = [r for r in rows[1:] if len(r) == len(header) and any(c.strip() for c in r)]
    notes = [f"encoding {encoding}, delimiter {delimiter!r}, {len(body)} data rows, columns {header}"]

    def share(col: int, test: Any) -> float:
        ok = 0
        for r in body:
            try:
                test(r[col])
                ok += 1
            except (NormaliseError, ValueError):
                pass
        return ok / max(1, len(body))

    period_col = max(range(len(header)), key=lambda c: share(c, parse_period))
    if share(period_col, parse_period) < 0.9:
        raise InspectError(f"{path}: no column of periods (2024年1-3月, 2024-03, ...)")
    unit_col = next((c for c in range(len(header)) if c != period_col and share(c, parse_unit) > 0.9), None)
    numeric = [
        c for c in range(len(header)) if c not in (period_col, unit_col) and share(c, _number_or_fail) > 0.9
    ]
    label_candidates = [c for c in range(len(header)) if c not in (period_col, unit_col, *numeric)]
    # the indicator names: a column headed like 指标/名称/项目, else the one with the most distinct names
    named = [c for c in label_candidates if re.search(r"指标|名称|项目|indicator", header[c], re.IGNORECASE)]
    filled = [c for c in label_candidates if sum(1 for r in body if r[c].strip()) == len(body)]
    label_col = max(
        named or filled or label_candidates, key=lambda c: len({r[c] for r in body}), default=None
    )
    if label_col is None:
        raise InspectError(f"{path}: no column of indicator names")
    columns: dict[str, str] = {}
    for c in numeric:
        measure = _guess_measure(header[c])
        if measure and measure not in columns.values():
            columns[header[c]] = measure
        else:
            notes.append(f"column {header[c]!r}: no measure guessed (or a second {measure}); left out")
    labels: dict[str, str | None] = {}
    for r in body:
        name, unit = split_name_and_unit(r[label_col])
        labels.setdefault(clean_label(name), r[unit_col].strip() if unit_col is not None else unit)
    if labels and all(u in ("%", "％") for u in labels.values()):
        # every row is a rate: the year-to-date (or only) value column is the rate held since January
        value_cols = [h for h, m in columns.items() if m in ("ytd_value", "level", "month_value")]
        keep = next(
            (h for h in value_cols if columns[h] == "ytd_value"), value_cols[0] if value_cols else None
        )
        for h in value_cols:
            if h == keep:
                columns[h] = "rate_pct"
            else:
                del columns[h]
                notes.append(f"column {h!r}: a second rate column, left out (the year-to-date rate is taken)")
    periods = [parse_period(r[period_col]) for r in body]
    frequency = _frequency([(p.start_month, p.end_month) for p in periods])
    entry = _base_entry(path, "csv_table", frequency, path.stem)
    options: dict[str, Any] = {
        "encoding": encoding,
        "delimiter": delimiter,
        "period_column": header[period_col],
        "label_column": header[label_col],
    }
    if unit_col is not None:
        options["unit_column"] = header[unit_col]
    date_col = next((h for h in header if re.search(r"发布(日期|时间)", h)), None)
    if date_col:
        options["release_date_column"] = date_col
    options["columns"] = columns
    entry["csv_table"] = options
    entry["indicators"] = [_indicator(label, unit) for label, unit in labels.items()]
    notes.append(f"periods from {periods[0].label} to {periods[-1].label}")
    return Proposal(entry, notes)


def _is_count_unit(unit: str) -> bool:
    try:
        return parse_unit(unit).canonical == "count"
    except NormaliseError:
        return False


def _number_or_fail(value: str) -> float | None:
    """A numeric cell (missing markers count as numeric: a column of numbers with gaps)."""
    return parse_number(value)


# -- SDMX-CSV -------------------------------------------------------------------------------------------------

_SDMX_NON_DIMENSIONS = {
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MULT",
    "OBS_STATUS",
    "UNIT_MEASURE",
    "DECIMALS",
    "COMMENT",
    "OBS_CONF",
    "TIME_FORMAT",
}


def _propose_sdmx(text: str, encoding: str, path: Path) -> Proposal:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise InspectError(f"{path}: an SDMX-CSV header without observations")
    header = [h.split(": ", 1)[0] for h in rows[0]]
    rows = [{k.split(": ", 1)[0]: (v or "").split(": ", 1)[0] for k, v in r.items()} for r in rows]
    dims = [h for h in header if h not in _SDMX_NON_DIMENSIONS]
    region_dim = "REF_AREA" if "REF_AREA" in dims else None
    series_dims = [d for d in dims if d != region_dim]
    keys = Counter(tuple(r[d] for d in series_dims) for r in rows if r.get("ACTION", "I") != "D")
    structure_ids = sorted({r["STRUCTURE_ID"] for r in rows})
    periods = [parse_time_period(r["TIME_PERIOD"]) for r in rows]
    units = sorted({r.get("UNIT_MEASURE", "") for r in rows} - {""})
    notes = [f"dataflow(s) {structure_ids}; dimensions {dims}; {len(keys)} series; units {units}"]
    unit_guess = {"CNY": "元", "PT": "%", "PS": "人", "USD": "美元", "T": "吨", "HEAD": "头", "M2": "平方米"}
    series = []
    indicators = []
    for key in keys:
        label = " ".join(key)
        measure = _guess_measure(key[-1]) or ("ytd_growth_pct" if "GR" in key[-1] else "ytd_value")
        series.append(
            {"key": dict(zip(series_dims, key, strict=True)), "indicator": label, "measure": measure}
        )
        indicators.append(_indicator(label, None, [measure]))
    entry = _base_entry(
        path, "sdmx_csv", _frequency([(p.start_month, p.end_month) for p in periods]), path.stem
    )
    entry["sdmx_csv"] = {
        "structure_id": structure_ids[0] if len(structure_ids) == 1 else None,
        "encoding": "utf-8-sig" if encoding == "utf-8-sig" else "utf-8",
        "region_dimension": region_dim,
        "regions": {code: "district" for code in sorted({r[region_dim] for r in rows})[-1:]}
        if region_dim
        else None,
        "units": {u: unit_guess.get(u, u) for u in units},
        "series": series,
    }
    entry["indicators"] = indicators
    notes.append("series of one indicator share its label: merge them into one indicator with two measures")
    if region_dim:
        seen = sorted({r[region_dim] for r in rows})
        notes.append(f"regions seen: {seen}; check that the one mapped to 'district' is the district's code")
    return Proposal(entry, notes)


# -- NBS data portal JSON ------------------------------------------------------------------------------------


def _propose_nbs_json(content: bytes, path: Path) -> Proposal:
    try:
        doc = json.loads(content.decode("utf-8-sig"))
        data = doc["returndata"]
        wdnodes = {wd["wdcode"]: wd["nodes"] for wd in data["wdnodes"]}
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InspectError(f"{path}: not NBS easyquery JSON ({exc})") from exc
    zb_nodes = wdnodes.get("zb", [])
    sj_codes = [n["code"] for n in wdnodes.get("sj", [])]
    regs = [n["code"] for n in wdnodes.get("reg", [])]
    notes = [f"{len(zb_nodes)} indicator codes; time codes {sj_codes}; regions {regs or 'none'}"]
    zb: dict[str, Any] = {}
    indicators: dict[str, dict[str, Any]] = {}
    for node in zb_nodes:
        name = str(node.get("cname") or node.get("name"))
        base, _, family = name.partition("_")
        measure = _guess_measure(family or name) or "ytd_value"
        unit = str(node.get("unit") or "") or None
        if measure == "ytd_value" and unit and _is_count_unit(unit):
            measure = "count_ytd"
        zb[str(node["code"])] = {"indicator": base, "measure": measure, "name": name}
        ind = indicators.setdefault(base, {"label": base, "code": "?", "measures": []})
        ind["measures"].append(measure)
        if unit and measure not in ("ytd_growth_pct", "month_growth_pct", "rate_pct"):
            ind["unit"] = unit
    quarterly = any(re.fullmatch(r"\d{4}[A-D]", c) for c in sj_codes)
    annual = all(re.fullmatch(r"\d{4}", c) for c in sj_codes)
    frequency = "annual" if annual else "quarterly" if quarterly else "monthly"
    entry = _base_entry(path, "nbs_json", frequency, path.stem)
    entry["nbs_json"] = {"regions": {regs[0]: "district"} if regs else None, "zb": zb}
    for ind in indicators.values():
        if len(set(ind["measures"])) == len(ind["measures"]) and len(ind["measures"]) > 1:
            del ind["measures"]
    entry["indicators"] = list(indicators.values())
    if regs:
        notes.append(f"regions: proposed {regs[0]} as the district; the others ({regs[1:]}) are skipped")
    return Proposal(entry, notes)
