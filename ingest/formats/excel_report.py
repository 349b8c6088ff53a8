"""excel_report: 统计月报 tables (.xlsx), read with python-calamine (about 10x faster than openpyxl here).

Layout handled: title row(s) carrying the period (2024年1-9月主要经济指标), a `单位：亿元` line for the whole
table, one or more header rows with merged cells (calamine returns a merged value in its first cell only,
so upper header levels are filled right), indicator names in a label column with units in brackets or in
a unit column, units in a header's brackets, 其中: sub-items, and 注:/说明/发布日期 footnote rows. The
workbook is checked before the reader allocates anything (ingest/formats/xlsx_guard.py), and it is read
in the parse worker (ingest/sandbox.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pydantic import Field
from python_calamine import CalamineError, CalamineWorkbook

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats import xlsx_guard
from ingest.formats.base import (
    CELL_SCHEMA,
    Cells,
    Format,
    Measure,
    Regex,
    ReleaseContext,
    Strict,
    cells_table,
)
from ingest.formats.excel_layout import cell_text, column_letter, joined_headers, propose, write_sample
from ingest.normalise import NormaliseError, Period, parse_period, split_label

if TYPE_CHECKING:
    from ingest.registry import Source

FOOTNOTE = re.compile(r"^(注|说明|备注|资料来源|数据来源|发布日期|发布时间)[::\s]")
RELEASE_DATE = re.compile(r"发布(?:日期|时间)[::]\s*(\d{4})[年\-/.](\d{1,2})[月\-/.](\d{1,2})")
TABLE_UNIT = re.compile(r"(?:计量)?单位[::]\s*([^\s,，;；()（）]+)")
DEFAULT_PERIOD = (
    r"(\d{4})年\s*(\d{1,2}\s*[-—–]\s*\d{1,2}月|\d{1,2}月|一季度|上半年|1-3季度|前三季度|全年|年度)"
)


class ExcelReportOptions(Strict):
    """A 统计月报 sheet: a title row with the period, multi-row headers, indicator rows, 注: footnotes."""

    sheet: str | None = Field(None, description="sheet name; default: the first sheet")
    header_rows: int = Field(2, ge=1, le=5, description="header rows below the title row")
    title_rows: int = Field(1, ge=0, le=5)
    label_column: int = Field(0, ge=0, description="0-based column holding the indicator names")
    unit_column: int | None = Field(None, description="0-based column holding units; None: units in brackets")
    columns: dict[Regex, Measure] = Field(
        min_length=1, description="regex on the joined header text -> measure"
    )
    period_pattern: Regex = DEFAULT_PERIOD


def options_of(source: Source) -> ExcelReportOptions:
    opts = source.options
    assert isinstance(opts, ExcelReportOptions)
    return opts


def read(data: Path | bytes, source: Source, ctx: ReleaseContext) -> Cells:
    opts = options_of(source)
    content = data if isinstance(data, bytes) else data.read_bytes()
    where = Location(source.id, ctx.file_name)
    scan = xlsx_guard.scan(content, opts.sheet, source.limits, where)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet_name = opts.sheet or workbook.sheet_names[0]
        if sheet_name not in workbook.sheet_names:
            raise ReleaseError(
                Location(source.id, ctx.file_name, sheet_name),
                f"sheet {sheet_name!r} not found (sheets: {', '.join(workbook.sheet_names)})",
                f"a sheet named {sheet_name!r}",
            )
        rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise ReleaseError(
            where, f"not a readable .xlsx workbook ({exc})", "an Excel 2007+ workbook"
        ) from exc
    where = Location(source.id, ctx.file_name, sheet_name)
    top = opts.title_rows + opts.header_rows
    period = _period_from_title(rows[: opts.title_rows], opts, where)
    table_unit = _table_unit(rows[:top])
    headers = joined_headers(rows[opts.title_rows : top])
    by_col = _map_columns(headers, opts, where)
    return _cells(rows, top, by_col, headers, scan, opts, sheet_name, period, table_unit)


def _cells(
    rows: list[list[Any]],
    top: int,
    by_col: dict[int, str],
    headers: list[str],
    scan: xlsx_guard.SheetScan,
    opts: ExcelReportOptions,
    sheet: str,
    period: Period,
    table_unit: str | None,
) -> Cells:
    lc, uc = opts.label_column, opts.unit_column
    body = rows[top:]
    labels = [cell_text(r[lc]) if lc < len(r) else "" for r in body]
    released: date | None = None
    keep: list[int] = []  # column by column, not cell by cell: a 100,000-row sheet is a few list passes
    for i, label in enumerate(labels):
        if not label:
            continue
        if FOOTNOTE.match(label):
            if m := RELEASE_DATE.search(" ".join(cell_text(c) for c in body[i])):
                released = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            continue
        keep.append(i)
    kept = [body[i] for i in keep]
    unit_texts: dict[Any, str | None] = {}  # a unit column repeats a few units: each read once
    units = [
        _memo(unit_texts, r[uc], lambda v: cell_text(v) or None) if uc is not None and uc < len(r) else None
        for r in kept
    ]
    n = len(kept)
    # the row's columns are built once and repeated for each value column, not converted again for each
    file_rows = pa.array([top + i + 1 for i in keep], pa.int32())
    keys = pa.array([labels[i] for i in keep], pa.string())
    # the label is the key here: left null (the series' label_raw falls back to the key), not sent twice
    shared = {"file_row": file_rows, "key": keys, "unit_text": pa.array(units, pa.string())}
    position = {top + i: n for n, i in enumerate(keep)} if scan.errors else {}
    parts = []
    for c, measure in by_col.items():
        raw = [r[c] if c < len(r) else None for r in kept]
        own = _values(raw, position, [(row, e) for (row, col), e in scan.errors.items() if col == c])
        repeated = {"col": column_letter(c), "col_unit": _header_unit(headers[c]), "measure": measure}
        parts.append(_part(shared | own, repeated | {"sheet": sheet}, n))
    table = pa.concat_tables(parts) if parts else cells_table()
    return Cells(
        table=table,
        release_period=period,
        table_unit=table_unit,
        release_date=released,
        columns={"sheet": sheet, **({"unit": column_letter(uc)} if uc is not None else {})},
    )


def _values(raw: list[Any], position: dict[int, int], errors: list[tuple[int, str]]) -> dict[str, pa.Array]:
    """A value column's cells as numbers, and as texts where they are not numbers (read later by the
    checks: 1,234.5, —, a formula's error such as #DIV/0!, which calamine reads as an empty string)."""
    if not errors and set(map(type, raw)) <= {float, int, type(None)}:  # all numbers: no pass per cell
        return {"value_num": pa.array(raw, pa.float64()), "value_text": pa.nulls(len(raw), pa.string())}
    nums = [float(v) if isinstance(v, float | int) and not isinstance(v, bool) else None for v in raw]
    texts = [None if type(v) in (float, int) or v in (None, "") else str(v) for v in raw]
    for row, error in errors:
        if row in position:
            nums[position[row]], texts[position[row]] = None, error or "#VALUE!"
    return {"value_num": pa.array(nums, pa.float64()), "value_text": pa.array(texts, pa.string())}


def _part(arrays: dict[str, pa.Array], repeated: dict[str, str | None], n: int) -> pa.Table:
    """One value column's cells: the arrays given, the repeated texts n times, the other columns null."""
    return pa.Table.from_arrays(
        [
            arrays[name] if name in arrays else pa.repeat(pa.scalar(repeated.get(name), field.type), n)
            for name, field in zip(CELL_SCHEMA.names, CELL_SCHEMA, strict=True)
        ],
        schema=CELL_SCHEMA,
    )


def _memo(memo: dict[Any, Any], value: Any, read: Any) -> Any:
    key = (type(value), value)  # 1, 1.0 and True are equal keys but not the same text
    if key in memo:
        return memo[key]
    memo[key] = found = read(value)
    return found


def _header_unit(header: str) -> str | None:
    """A unit in a header's brackets (本月(亿元)); a bracket that is no unit, such as (%), is ignored."""
    for part in reversed(header.split("|")):
        _, unit = split_label(part)
        if unit and unit not in ("%",):
            return unit
    return None


def _table_unit(rows: Sequence[Sequence[object]]) -> str | None:
    """A 单位：亿元 line above the table (in the title or header rows) applies to every row without a unit."""
    for row in rows:
        for cell in row:
            if m := TABLE_UNIT.search(cell_text(cell)):
                return m.group(1)
    return None


def _period_from_title(
    title_rows: Sequence[Sequence[object]], opts: ExcelReportOptions, where: Location
) -> Period:
    text = " ".join(cell_text(c) for row in title_rows for c in row if c not in (None, ""))
    m = re.search(opts.period_pattern, text)
    if not m:
        raise ReleaseError(
            Location(where.source_id, where.file, where.sheet, 1),
            f"no period found in the title {text!r}",
            "a title such as '2024年1-9月主要经济指标'",
        )
    try:
        return parse_period(m.group(0))
    except NormaliseError as exc:
        raise ReleaseError(Location(where.source_id, where.file, where.sheet, 1), str(exc)) from exc


def _map_columns(headers: list[str], opts: ExcelReportOptions, where: Location) -> dict[int, str]:
    result: dict[int, str] = {}
    for pattern, measure in opts.columns.items():
        matches = [i for i, h in enumerate(headers) if re.search(pattern, h)]
        if len(matches) != 1:
            raise ReleaseError(
                Location(where.source_id, where.file, where.sheet, None),
                f"header pattern {pattern!r} for {measure} matched {len(matches)} columns (headers: {headers})",
                "exactly one column",
            )
        result[matches[0]] = measure
    return result


def sniff(content: bytes, path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or content[:4] == b"PK\x03\x04"


FORMAT = Format(
    name="excel_report",
    options=ExcelReportOptions,
    read=read,
    propose=propose,
    write_sample=write_sample,
    sniff=sniff,
    key_kind="label",
    sandboxed=True,
)
