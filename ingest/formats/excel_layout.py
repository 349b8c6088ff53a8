"""The layout side of excel_report: header text, a registry entry proposed from a sample 统计月报, and a
sample 统计月报 written (openpyxl) the way a registry entry describes it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from python_calamine import CalamineWorkbook

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats.base import Proposal, SampleRelease
from ingest.formats.proposing import base_entry, guess_measure, indicator, is_index, is_number
from ingest.normalise import NormaliseError, Period, clean_label, parse_period, split_label, to_halfwidth

if TYPE_CHECKING:
    from ingest.registry import Source

_PERIOD_WORDS = (
    r"(\d{4})年\s*(\d{1,2}\s*[-—–]\s*\d{1,2}月|\d{1,2}月|一季度|上半年|1-3季度|前三季度|全年|年度)"
)
_UNIT_HEADERS = re.compile(r"^(单位|计量单位|unit)$", re.IGNORECASE)
_QUARTER_WORDS = {3: "一季度", 6: "上半年", 9: "1-3季度", 12: "全年"}


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return to_halfwidth(str(value)).strip()


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter  # openpyxl (0.13 s) only where a sheet is named or written

    return get_column_letter(index + 1)


def joined_headers(header_rows: Any) -> list[str]:
    """Join multi-row headers into one text per column; a merged cell spans right until the next value."""
    width = max((len(r) for r in header_rows), default=0)
    filled: list[list[str]] = []
    for level, row in enumerate(header_rows):
        cells = [cell_text(row[c]) if c < len(row) else "" for c in range(width)]
        if level < len(header_rows) - 1:  # upper levels are merged groups: fill them right
            for c in range(1, width):
                cells[c] = cells[c] or cells[c - 1]
        filled.append(cells)
    return ["|".join(p for p in (r[c] for r in filled) if p) for c in range(width)]


# -- proposing ------------------------------------------------------------------------------------------


def propose(content: bytes, path: Path) -> Proposal:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = {
            n: workbook.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in workbook.sheet_names
        }
    except Exception as exc:  # the reader's own errors: the sample is not a workbook
        raise ReleaseError(Location("new", path.name), f"not a readable .xlsx ({exc})", "a workbook") from exc
    sheet = max(sheets, key=lambda n: sum(1 for r in sheets[n] if any(is_number(c) for c in r[1:])))
    rows = [[cell_text(c) for c in r] for r in sheets[sheet]]
    notes = [f"sheets in the workbook: {', '.join(sheets)}; proposed: {sheet!r} (the most numeric rows)"]
    title_rows = 0
    while title_rows < min(5, len(rows)) and sum(1 for c in rows[title_rows] if c) == 1:
        title_rows += 1
    first_data = next(
        (
            i
            for i in range(title_rows, len(rows))
            if rows[i] and rows[i][0] and any(is_number(c) for c in rows[i][1:])
        ),
        None,
    )
    if first_data is None:
        raise ReleaseError(Location("new", path.name, sheet), "no row with a label and numbers", "a table")
    title = " ".join(c for r in rows[:title_rows] for c in r if c)
    period_text = m.group(0) if (m := re.search(_PERIOD_WORDS, title)) else None
    notes.append(f"title: {title!r}; period found: {period_text!r}")
    if unit_line := re.search(r"(?:计量)?单位[::]\s*(\S+)", " ".join(" ".join(r) for r in rows[:first_data])):
        notes.append(f"a table unit line says {unit_line.group(1)!r}: rows without a unit are read in it")
    header = joined_headers(rows[title_rows:first_data])
    body = [r for r in rows[first_data:] if r and r[0] and not re.match(r"^(注|说明|备注|发布)", r[0])]
    unit_column = next((i for i, h in enumerate(header) if _UNIT_HEADERS.match(h.split("|")[-1])), None)
    columns = _value_columns(header, body, unit_column, notes)
    indicators = []
    for r in body:
        name, unit = split_label(r[0])
        if unit_column is not None and unit_column < len(r) and r[unit_column]:
            unit = r[unit_column]
        indicators.append(indicator(clean_label(name), unit if unit != "%" else None))
    frequency = "quarterly" if period_text and ("季" in period_text or "半年" in period_text) else "monthly"
    entry = base_entry(path, "excel_report", frequency, title or path.stem)
    options: dict[str, Any] = {
        "sheet": sheet,
        "title_rows": title_rows,
        "header_rows": max(1, first_data - title_rows),
    }
    options["label_column"] = 0
    if unit_column is not None:
        options["unit_column"] = unit_column
    if period_text and not re.search(r"月$", period_text):
        options["period_pattern"] = _PERIOD_WORDS
    options["columns"] = columns
    entry["excel_report"] = options
    entry["indicators"] = indicators
    return Proposal(entry, notes)


def _value_columns(
    header: list[str], body: list[list[str]], unit_column: int | None, notes: list[str]
) -> dict[str, str]:
    """The columns holding numbers, each as a header pattern and the measure its header reads as."""
    columns: dict[str, str] = {}
    for i, h in enumerate(header):
        if i in (0, unit_column) or not h or not any(is_number(r[i]) for r in body if i < len(r)):
            continue
        measure = guess_measure(h)
        if measure is None or measure in columns.values():
            notes.append(f"column {h!r}: no measure guessed (or a second {measure}); left out")
            continue
        columns[_header_regex(h, header)] = measure
        notes.append(
            f"column {h!r} -> {measure}" + (" (an index: set index_base: 100)" if is_index(h) else "")
        )
    return columns


def _header_regex(header: str, all_headers: list[str]) -> str:
    """The shortest anchored pattern that picks this header alone: its last part, else the whole text."""
    last = header.split("|")[-1]
    for candidate in (f"{re.escape(last)}$", f"^{re.escape(header)}$"):
        if sum(1 for h in all_headers if re.search(candidate, h)) == 1:
            return candidate
    return f"^{re.escape(header)}$"


# -- writing a sample -----------------------------------------------------------------------------------


def literal_header(pattern: str) -> list[str]:
    """The header levels a column pattern names: '累计\\|绝对值$' -> ['累计', '绝对值'].

    Only literal patterns can be written (anchors and escapes aside); a pattern with other regex syntax
    cannot say what header text to write, so a sample for it is refused.
    """
    body = re.sub(r"^\^|(?<!\\)\$$", "", pattern)
    if re.search(r"(?<!\\)[.*+?()\[\]{}]", body.replace("\\|", "")):
        raise ValueError(f"cannot write a header for the pattern {pattern!r}: give it as literal text")
    text = re.sub(r"\\(.)", r"\1", body.replace("\\|", "\x00"))
    levels = [p for p in text.split("\x00") if p]
    if not re.search(pattern, "|".join(levels)):
        raise ValueError(f"the pattern {pattern!r} does not match the header it names")
    return levels


def title_period(period: Period, pattern: str) -> str:
    """The period as a title writes it, in the first form the entry's period_pattern reads back."""
    y, s, e = period.year, period.start_month, period.end_month
    forms = [f"{y}年{s}-{e}月" if s != e else f"{y}年{e}月", f"{y}年{_QUARTER_WORDS.get(e, '')}", f"{y}年度"]
    for form in forms:
        m = re.search(pattern, f"XX区{form}")
        try:
            if m and parse_period(m.group(0)) == period:
                return form
        except NormaliseError:
            continue
    raise ValueError(f"the period_pattern {pattern!r} reads no title for {period.label}")


def write_sample(source: Source, release: SampleRelease) -> bytes:
    opts: Any = source.options  # ExcelReportOptions (defined in excel_report, which imports this module)
    period = release.period or Period(release.year, 1, release.month)
    levels = {p: literal_header(p) for p in opts.columns}
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = opts.sheet or "Sheet1"
    extra = list(release.extra_columns)
    fixed = [opts.label_column] + ([opts.unit_column] if opts.unit_column is not None else [])
    free = (c for c in range(1 + len(fixed) + len(levels) + len(extra)) if c not in fixed)
    position = {p: next(free) for p in opts.columns} | {x: next(free) for x in extra}
    width = max([*position.values(), *fixed]) + 1
    for _ in range(opts.title_rows):
        ws.append([None] * width)
    ws.cell(1, 1, f"XX区{title_period(period, opts.period_pattern)}{opts.sheet or ''}")
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    if width > 1 and opts.title_rows:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    _write_headers(ws, opts, levels, position, extra)
    _write_rows(ws, source, release, opts, position)
    ws.column_dimensions["A"].width = 30
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue())


def _write_headers(
    ws: Any, opts: Any, levels: dict[str, list[str]], position: dict[str, int], extra: list[str]
) -> None:
    first, depth = opts.title_rows + 1, opts.header_rows
    named = [(opts.label_column, ["指标名称"])] + (
        [(opts.unit_column, ["计量单位"])] if opts.unit_column is not None else []
    )
    named += [(position[p], parts) for p, parts in levels.items()] + [(position[x], [x]) for x in extra]
    groups: dict[tuple[int, str], list[int]] = {}
    for col, parts in named:
        parts = parts[:depth]
        if len(parts) == 1 or depth == 1:
            ws.cell(first, col + 1, parts[-1] if depth == 1 else parts[0])
            if depth > 1:
                ws.merge_cells(
                    start_row=first, start_column=col + 1, end_row=first + depth - 1, end_column=col + 1
                )
            continue
        for level, text in enumerate(parts):
            ws.cell(first + level, col + 1, text)
        groups.setdefault((first, parts[0]), []).append(col)
    for (row, _), cols in groups.items():
        cols.sort()
        if len(cols) > 1 and cols == list(range(cols[0], cols[-1] + 1)):
            for c in cols[1:]:
                ws.cell(row, c + 1, None)
            ws.merge_cells(start_row=row, start_column=cols[0] + 1, end_row=row, end_column=cols[-1] + 1)


def _write_rows(ws: Any, source: Source, release: SampleRelease, opts: Any, position: dict[str, int]) -> None:
    rows: dict[str, dict[str, Any]] = {}
    for f in release.figures:
        row = rows.setdefault(f.series, {"unit": f.unit})
        for pattern, measure in opts.columns.items():
            if measure == f.measure and pattern not in row:
                row[pattern] = "—" if f.value is None else f.value
                break
    period = release.period or Period(release.year, 1, release.month)
    at = opts.title_rows + opts.header_rows + 1  # rows are placed, not appended: merged headers are empty

    def put(values: dict[int, Any]) -> None:
        nonlocal at
        for col, value in values.items():
            ws.cell(at, col + 1, value)
        at += 1

    for series, row in rows.items():
        mapping = source.mapping_for(series)
        unit = row["unit"] or (mapping.unit if mapping else None)
        line: dict[int, Any] = {
            opts.label_column: series if opts.unit_column is not None or not unit else f"{series}({unit})"
        }
        if opts.unit_column is not None:
            line[opts.unit_column] = unit
        for key, col in position.items():
            if key in row:
                line[col] = row[key]
            elif key in release.extra_columns:
                text = release.extra_columns[key].get((series, period))
                line[col] = float(text) if text and is_number(text) and "," not in text else text
        put(line)
    if release.notes or release.release_date:
        at += 1
    for note in release.notes:
        put({0: note})
    if d := release.release_date:
        put({0: f"发布日期:{d.year}年{d.month}月{d.day}日"})


_STAMP = b"2024-01-01T00:00:00Z"  # year-literal: a fixed timestamp so sample files are reproducible
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)  # year-literal: a fixed timestamp so sample files are reproducible


def deterministic_zip(data: bytes) -> bytes:
    """openpyxl stamps the current time into the zip entries and docProps; fix both for stable bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", _STAMP, payload)
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, payload)
    return out.getvalue()
