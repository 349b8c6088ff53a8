"""csv_table: long CSV tables in UTF-8 (with or without BOM), GBK or GB18030, as office systems export them.

One row per indicator and period (and region), one column per measure. Decoding is strict and the
decoded header must hold the configured column names, which is what catches a wrong guess (GBK read as
something else "works" and silently yields mojibake). DuckDB reads the rows (ingest/formats/delimited.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
from pydantic import Field

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats import delimited
from ingest.formats.base import Cells, Format, Measure, Proposal, ReleaseContext, SampleRelease, Strict
from ingest.formats.proposing import base_entry, frequency_of, guess_measure, indicator, is_index
from ingest.normalise import (
    NormaliseError,
    Period,
    clean_label,
    parse_number,
    parse_period,
    parse_unit,
    split_label,
    to_halfwidth,
)

if TYPE_CHECKING:
    from ingest.registry import Source

PERIOD_FORMS = "a period such as 2024年1-3月, 2024-03, 2024M03, 2024Q1, 一季度, 2023年度"


class CsvTableOptions(Strict):
    """A long CSV table: one row per indicator and period, one column per measure."""

    encoding: Literal["auto", "utf-8", "utf-8-sig", "gbk", "gb18030"] = "auto"
    delimiter: str = Field(",", min_length=1, max_length=1)
    period_column: str
    label_column: str
    unit_column: str | None = None
    region_column: str | None = None
    release_date_column: str | None = None
    columns: dict[str, Measure] = Field(min_length=1, description="column header -> measure")
    period_style: Literal["ytd_cn", "month_cn", "iso_month", "m_month", "quarter_cn"] = Field(
        "ytd_cn",
        description="how the bureau writes periods (2024年1-9月, 2024年9月, 2024-09, 2024M09, 2024年1-3季度); "
        "used to write sample releases, reading accepts every form",
    )


def _options(source: Source) -> CsvTableOptions:
    opts = source.options
    assert isinstance(opts, CsvTableOptions)
    return opts


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read(data: Path | bytes, source: Source, ctx: ReleaseContext) -> Cells:
    opts = _options(source)
    where = Location(source.id, ctx.file_name)
    text = delimited.prepare(data, opts.encoding, where, source.limits.max_line_bytes, opts.delimiter)
    try:
        return _cells(text, opts, source, ctx)
    except BaseException:
        for p in text.temp:
            p.unlink(missing_ok=True)
        raise


def _cells(text: delimited.Text, opts: CsvTableOptions, source: Source, ctx: ReleaseContext) -> Cells:
    header = text.header
    if not header:
        raise ReleaseError(Location(source.id, ctx.file_name), "the file is empty", "a header row")
    if len(header) > source.limits.max_columns:
        raise ReleaseError(
            Location(source.id, ctx.file_name, None, 1),
            f"{len(header)} columns",
            f"at most {source.limits.max_columns} (limits.max_columns)",
        )
    required = [opts.period_column, opts.label_column, *opts.columns]
    required += [c for c in (opts.unit_column, opts.region_column, opts.release_date_column) if c]
    missing = [c for c in required if c not in header]
    if missing:
        raise ReleaseError(
            Location(source.id, ctx.file_name, None, 1),
            f"columns missing or renamed: {', '.join(missing)} (header is {header})",
            f"columns {required}",
        )
    c = {name: f"c{header.index(name)}" for name in required}
    names = list(opts.columns)
    col_units = [split_label(n)[1] for n in names]
    per_value = (
        f"unnest([{', '.join(_quote(n) for n in names)}]) as col, "
        f"unnest([{', '.join(_quote(m) for m in opts.columns.values())}]) as measure, "
        f"unnest([{', '.join(c[n] for n in names)}]) as value_text, "
        f"unnest([{', '.join(_quote(u) if u else 'null' for u in col_units)}]) as col_unit"
    )
    sql = f"""
        select file_row, cast(null as varchar) as sheet, col, {c[opts.label_column]} as key,
               {c[opts.label_column]} as label,
               {c[opts.unit_column] if opts.unit_column else "cast(null as varchar)"} as unit_text, col_unit,
               {c[opts.period_column]} as period_text,
               {c[opts.region_column] if opts.region_column else "cast(null as varchar)"} as region_text,
               measure, value_text, cast(null as double) as value_num, cast(null as varchar) as status,
               cast(null as varchar) as action
        from (select *, {per_value} from {delimited.FILE_ROWS})
    """
    released = None
    if opts.release_date_column:
        released = _release_date(text, c[opts.release_date_column], opts, source, ctx)
    return Cells(
        sql=sql,
        file_sql=delimited.read_csv_sql(text, opts.delimiter, source.limits.max_line_bytes),
        release_date=released,
        temp_files=text.temp,
        columns={
            k: v
            for k, v in {
                "period": opts.period_column,
                "region": opts.region_column,
                "unit": opts.unit_column,
                "label": opts.label_column,
                "period_form": PERIOD_FORMS,
            }.items()
            if v
        },
        explain=delimited.explainer(source.id, ctx.file_name),
    )


def _release_date(
    text: delimited.Text, column: str, opts: CsvTableOptions, source: Source, ctx: ReleaseContext
) -> date | None:
    """The release's date: the latest date its date column gives (2024-03-20, 2024/3/20, 2024年3月20日).

    The distinct dates are read in parallel; the row of one that is not a date is looked up after.
    """
    sql = delimited.read_csv_sql(text, opts.delimiter, source.limits.max_line_bytes)
    with delimited.scratch() as con:
        try:
            values = con.execute(
                f"select distinct {column} from ({sql}) where {column} is not null"
            ).fetchall()
        except duckdb.Error as exc:
            found = delimited.explainer(source.id, ctx.file_name)(exc)
            raise (found or ReleaseError(Location(source.id, ctx.file_name), str(exc))) from exc
        texts = {raw: to_halfwidth(str(raw)).strip() for (raw,) in values}
        days = {raw: _date_of(text) for raw, text in texts.items() if text}  # an empty cell gives no date
        bad = [raw for raw, day in days.items() if day is None]
        if bad:  # the first in the file, named by its row
            raw, row = con.execute(
                f"select {column}, file_row from ({delimited.numbered(sql)}) "
                f"where {column} in (select unnest(?)) order by file_row limit 1",
                [bad],
            ).fetchall()[0]
            raise ReleaseError(
                Location(source.id, ctx.file_name, None, row, opts.release_date_column),
                f"release date {raw!r} is not a date",
                "a date such as 2024-03-20",
            )
    return max((day for day in days.values() if day is not None), default=None)


def _date_of(value: str) -> date | None:
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value)
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    except ValueError:
        return None


# -- proposing an entry from a sample -------------------------------------------------------------------


def sniff(content: bytes, path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".txt") and not sdmx_header(content)


def sdmx_header(content: bytes) -> bool:
    first = content.lstrip(b"\xef\xbb\xbf")[:64].upper()
    return first.startswith((b"STRUCTURE", b"DATAFLOW"))


def decode_sample(content: bytes, path: Path) -> tuple[str, str]:
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
    raise ReleaseError(Location("new", path.name), "neither UTF-8 nor GB18030 text", "a text file")


def _share(rows: list[list[str]], col: int, test: Callable[[str], Any]) -> float:
    ok = 0
    for r in rows:
        try:
            test(r[col])
            ok += 1
        except (NormaliseError, ValueError):
            pass
    return ok / max(1, len(rows))


def propose(content: bytes, path: Path) -> Proposal:
    text, encoding = decode_sample(content, path)
    sample = text.lstrip("\ufeff")
    try:
        delimiter = csv.Sniffer().sniff(sample[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
    if len(rows) < 2:
        raise ReleaseError(Location("new", path.name), "fewer than two rows", "a header and data rows")
    header = [to_halfwidth(h).strip() for h in rows[0]]
    body = [r for r in rows[1:] if len(r) == len(header) and any(c.strip() for c in r)]
    notes = [f"encoding {encoding}, delimiter {delimiter!r}, {len(body)} data rows, columns {header}"]
    period_col = max(range(len(header)), key=lambda c: _share(body, c, parse_period))
    if _share(body, period_col, parse_period) < 0.9:
        raise ReleaseError(Location("new", path.name), "no column of periods", PERIOD_FORMS)
    unit_col = next(
        (c for c in range(len(header)) if c != period_col and _share(body, c, parse_unit) > 0.9), None
    )
    numeric = [
        c for c in range(len(header))
        if c not in (period_col, unit_col) and _share(body, c, parse_number) > 0.9
    ]  # fmt: skip
    candidates = [c for c in range(len(header)) if c not in (period_col, unit_col, *numeric)]
    named = [c for c in candidates if re.search(r"指标|名称|项目|indicator", header[c], re.IGNORECASE)]
    label_col = max(named or candidates, key=lambda c: len({r[c] for r in body}), default=None)
    if label_col is None:
        raise ReleaseError(Location("new", path.name), "no column of indicator names", "a label column")
    columns = _measures_of(header, numeric, notes)
    labels: dict[str, str | None] = {}
    for r in body:
        name, unit = split_label(r[label_col])
        labels.setdefault(clean_label(name), r[unit_col].strip() if unit_col is not None else unit)
    if labels and all(u in ("%", "％") for u in labels.values()):
        _rates_only(columns, notes)
    periods = [parse_period(r[period_col]) for r in body]
    entry = base_entry(
        path, "csv_table", frequency_of([(p.start_month, p.end_month) for p in periods]), path.stem
    )
    options: dict[str, Any] = {
        "encoding": encoding,
        "delimiter": delimiter,
        "period_column": header[period_col],
        "label_column": header[label_col],
    }
    if unit_col is not None:
        options["unit_column"] = header[unit_col]
    if date_col := next((h for h in header if re.search(r"发布(日期|时间)", h)), None):
        options["release_date_column"] = date_col
    options["columns"] = columns
    options["period_style"] = _style(body[0][period_col] if body else "")
    entry["csv_table"] = options
    entry["indicators"] = [
        indicator(label, unit if unit not in ("%", "％") else None) for label, unit in labels.items()
    ]
    notes.append(f"periods from {periods[0].label} to {periods[-1].label}")
    return Proposal(entry, notes)


def _measures_of(header: list[str], numeric: list[int], notes: list[str]) -> dict[str, str]:
    """The numeric columns' headers read as measures; a column whose measure cannot be guessed, or a
    second column of the same measure, is left out with a note."""
    columns: dict[str, str] = {}
    for c in numeric:
        measure = guess_measure(header[c])
        if measure and measure not in columns.values():
            columns[header[c]] = measure
            if is_index(header[c]):
                notes.append(f"column {header[c]!r} is an index (上年同期=100): set index_base: 100")
        else:
            notes.append(f"column {header[c]!r}: no measure guessed (or a second {measure}); left out")
    return columns


def _rates_only(columns: dict[str, str], notes: list[str]) -> None:
    """Every row is a rate: the year-to-date (or only) value column is the rate held since January; a
    本月 rate beside it would repeat it in January (1月 = 1-1月), so it is left out."""
    values = [h for h, m in columns.items() if m in ("ytd_value", "level", "month_value")]
    keep = next((h for h in values if columns[h] == "ytd_value"), values[0] if values else None)
    for h in values:
        if h == keep:
            columns[h] = "rate_pct"
        else:
            del columns[h]
            notes.append(f"column {h!r}: a second rate column, left out (the year-to-date rate is taken)")


def _style(text: str) -> str:
    t = to_halfwidth(text)
    if re.fullmatch(r"\d{4}-\d{2}", t):
        return "iso_month"
    if re.fullmatch(r"\d{4}M\d{2}", t):
        return "m_month"
    if "季" in t or "半年" in t or "全年" in t:
        return "quarter_cn"
    if re.fullmatch(r"\d{4}年\d{1,2}月", t) and not t.endswith("1月"):
        return "month_cn"
    return "ytd_cn"


# -- writing a sample release ---------------------------------------------------------------------------

_QUARTER_WORDS = {3: "一季度", 6: "上半年", 9: "1-3季度", 12: "全年"}


def period_text(period: Period, style: str) -> str:
    y, s, e = period.year, period.start_month, period.end_month
    if style == "iso_month":
        return f"{y}-{e:02d}"
    if style == "m_month":
        return f"{y}M{e:02d}"
    if style == "month_cn":
        return f"{y}年{e}月"
    if style == "quarter_cn":
        return f"{y}年{_QUARTER_WORDS.get(e, f'1-{e}月')}"
    return f"{y}年{e}月" if s == e else f"{y}年{s}-{e}月"


def number_text(value: float | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:.15g}"


def write_sample(source: Source, release: SampleRelease) -> bytes:
    opts = _options(source)
    columns = list(opts.columns)
    header = [opts.period_column, opts.label_column]
    header += [c for c in (opts.unit_column, opts.region_column) if c] + columns + list(release.extra_columns)
    header += [opts.release_date_column] if opts.release_date_column else []
    rows: dict[tuple[str, Period, str | None], dict[str, str]] = {}
    for f in release.figures:
        row = rows.setdefault((f.series, _row_period(f.period, opts), f.region), {})
        mapping = source.mapping_for(f.series)
        row.setdefault("unit", f.unit or (mapping.unit if mapping else "") or "")
        for name, measure in opts.columns.items():
            if measure == f.measure and name not in row:
                row[name] = number_text(f.value)
                break
    out = io.StringIO()
    writer = csv.writer(out, delimiter=opts.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for (series, period, region), row in rows.items():
        line = [period_text(period, opts.period_style), series]
        if opts.unit_column:
            line.append(row.get("unit", ""))
        if opts.region_column:
            line.append(region or source.region)
        line += [row.get(c, "") for c in columns]
        line += [values.get((series, period), "") for values in release.extra_columns.values()]
        if opts.release_date_column:
            line.append(release.release_date.isoformat() if release.release_date else "")
        writer.writerow(line)
    encoding = {"auto": "utf-8", "gbk": "gbk"}.get(opts.encoding, opts.encoding)
    return out.getvalue().encode(encoding)


def _row_period(period: Period, opts: CsvTableOptions) -> Period:
    """Figures of one row share the row's period as written (a 累计 figure 1-9 and a level at 9)."""
    return Period(period.year, 1 if opts.period_style == "ytd_cn" else period.end_month, period.end_month)


FORMAT = Format(
    name="csv_table",
    options=CsvTableOptions,
    read=read,
    propose=propose,
    write_sample=write_sample,
    sniff=sniff,
    key_kind="label",
    sandboxed=False,
)
