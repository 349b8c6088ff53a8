"""Excel 统计月报 tables (.xlsx), read with python-calamine (about 10x faster than openpyxl here).

Layout handled: title row(s) carrying the period (2024年1-9月主要经济指标), one or more header rows with
merged cells (calamine returns a merged value in its first cell only, so headers are filled right),
indicator names in the first column with units in brackets, and 注:/说明 footnote rows.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

from python_calamine import CalamineError, CalamineWorkbook

from ingest.errors import Location, ReleaseError
from ingest.normalise import (
    NormaliseError,
    Period,
    clean_label,
    parse_period,
    split_name_and_unit,
    to_halfwidth,
)
from ingest.parsers.base import ParsedRelease, make_record, period_for
from ingest.registry import ExcelReportOptions, Source

_FOOTNOTE = re.compile(r"^(注|说明|备注|资料来源|数据来源|发布日期|发布时间)[::\s]")
_RELEASE_DATE = re.compile(r"发布(?:日期|时间)[::]\s*(\d{4})[年\-/.](\d{1,2})[月\-/.](\d{1,2})")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return to_halfwidth(str(value)).strip()


def parse_excel_report(content: bytes, source: Source, file_name: str) -> ParsedRelease:
    opts = source.options
    assert isinstance(opts, ExcelReportOptions)
    where = Location(source.id, file_name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except (CalamineError, ValueError, OSError) as exc:
        raise ReleaseError(
            where, f"not a readable .xlsx workbook ({exc})", "an Excel 2007+ workbook"
        ) from exc
    sheet_name = opts.sheet or workbook.sheet_names[0]
    if sheet_name not in workbook.sheet_names:
        raise ReleaseError(
            Location(source.id, file_name, sheet_name),
            f"sheet {sheet_name!r} not found (sheets: {', '.join(workbook.sheet_names)})",
            f"a sheet named {sheet_name!r}",
        )
    rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    where = Location(source.id, file_name, sheet_name)

    period = _period_from_title(rows[: opts.title_rows], opts, where)
    headers = _joined_headers(rows[opts.title_rows : opts.title_rows + opts.header_rows])
    measure_by_col = _map_columns(headers, opts, where)

    result = ParsedRelease()
    found: set[str] = set()
    for idx in range(opts.title_rows + opts.header_rows, len(rows)):
        row = rows[idx]
        label_cell = _cell_text(row[opts.label_column]) if len(row) > opts.label_column else ""
        if not label_cell:
            continue
        if _FOOTNOTE.match(label_cell):
            if m := _RELEASE_DATE.search(" ".join(_cell_text(c) for c in row)):
                result.release_date = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            continue
        name, unit_in_label = split_name_and_unit(label_cell)
        name = clean_label(name)
        mapping = source.mapping_for(name)
        if mapping is None:
            continue  # a bureau report carries many indicators; the registry says which we take
        unit_text = unit_in_label
        if opts.unit_column is not None:
            unit_text = _cell_text(row[opts.unit_column]) or unit_text
        found.add(mapping.label)
        for col, measure in measure_by_col.items():
            mapping = source.mapping_for(name, measure)
            if mapping is None:
                continue
            raw = row[col] if col < len(row) else None
            result.records.append(
                make_record(
                    source=source,
                    where=Location(source.id, file_name, sheet_name, idx + 1, _column_letter(col)),
                    mapping=mapping,
                    period=period_for(measure, period),
                    measure=measure,
                    raw_value=raw if raw != "" else None,
                    unit_text=unit_text,
                    region=source.region,
                    label_raw=label_cell,
                )
            )
    missing = [m.label for m in source.indicators if m.label not in found]
    if missing:
        raise ReleaseError(
            where, f"indicator rows missing or renamed: {', '.join(missing)}", "rows named as in the registry"
        )
    return result


def _period_from_title(
    title_rows: Sequence[Sequence[object]], opts: ExcelReportOptions, where: Location
) -> Period:
    text = " ".join(_cell_text(c) for row in title_rows for c in row if c not in (None, ""))
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


def _joined_headers(header_rows: Sequence[Sequence[object]]) -> list[str]:
    """Join multi-row headers into one text per column; a merged cell spans right until the next value."""
    width = max((len(r) for r in header_rows), default=0)
    filled: list[list[str]] = []
    for level, row in enumerate(header_rows):
        cells = [_cell_text(row[c]) if c < len(row) else "" for c in range(width)]
        if level < len(header_rows) - 1:  # upper levels are merged groups: fill them right
            for c in range(1, width):
                cells[c] = cells[c] or cells[c - 1]
        filled.append(cells)
    return ["|".join(p for p in (r[c] for r in filled) if p) for c in range(width)]


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


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
