"""A returned workbook read into plain values (python-calamine, in the parse worker), before any rule.

The workbook is checked by xlsx_guard first (size inflated, the extent of each sheet, error cells), so the
reader never allocates by what the file claims. What comes out is the stamp, the header block, the column
headers as found, and every row below them that holds a target id or anything typed into an input cell.
A file that is not a template at all (no 填报表 or no stamp) is one finding, not a crash.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from python_calamine import CalamineError, CalamineWorkbook

from core.errors import Location
from ingest.errors import Finding, ReleaseError
from ingest.formats import xlsx_guard
from ingest.formats.progress_return import layout as L
from ingest.formats.progress_return.messages import finding

if TYPE_CHECKING:
    from ingest.registry import Source


@dataclass
class RawRow:
    file_row: int  # 1-based, as Excel shows it
    values: dict[str, Any]  # column key -> cell value as read (None when empty)
    errors: dict[str, str] = field(default_factory=dict)  # column key -> #DIV/0! ...


@dataclass
class RawReturn:
    stamp: dict[str, str]
    header: dict[str, Any]  # reporter, phone, submitted -> cell value
    rows: list[RawRow]
    findings: list[Finding]


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _where(source: Source, file_name: str) -> Location:
    return Location(source.id, file_name)


def read_workbook(content: bytes, source: Source, file_name: str) -> RawReturn:
    """The values of a returned file; raises ReleaseError (with one finding) for a file that is no template."""
    where = _where(source, file_name)
    scans = {name: xlsx_guard.scan(content, name, source.limits, where) for name in (L.SHEET, L.STAMP)}
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = workbook.sheet_names
        if L.SHEET not in names or L.STAMP not in names:
            missing = L.SHEET if L.SHEET not in names else "标识"
            raise _not_template(where, f"sheet {missing} missing; sheets: {', '.join(names)}")
        sheet = workbook.get_sheet_by_name(L.SHEET).to_python(skip_empty_area=False)
        stamp_rows = workbook.get_sheet_by_name(L.STAMP).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise _not_template(where, f"not a readable .xlsx workbook: {exc}") from exc
    stamp = {
        str(r[0]).strip(): str(r[1]).strip() for r in stamp_rows if len(r) >= 2 and r[0] not in (None, "")
    }
    if stamp.get("format") != L.STAMP_FORMAT:
        raise _not_template(where, f"stamp {stamp.get('format')!r}, expected {L.STAMP_FORMAT!r}")
    found = RawReturn(stamp, _header(sheet), [], _headers_changed(sheet))
    errors = scans[L.SHEET].errors
    for index in range(L.FIRST_ROW - 1, len(sheet)):
        row = _row(sheet[index], index, errors)
        if row is not None:
            found.rows.append(row)
    return found


def _not_template(where: Location, detail: str) -> ReleaseError:
    f = finding("not_a_template", detail=detail)
    return ReleaseError(where, f.problem, "a progress-return template issued by planwatch", findings=(f,))


def _cell(sheet: list[list[Any]], ref: str) -> Any:
    r, c = L.cell_index(ref)
    return sheet[r][c] if r < len(sheet) and c < len(sheet[r]) else None


def _header(sheet: list[list[Any]]) -> dict[str, Any]:
    return {
        "reporter": _cell(sheet, L.REPORTER_CELL),
        "phone": _cell(sheet, L.PHONE_CELL),
        "submitted": _cell(sheet, L.SUBMITTED_CELL),
    }


def _headers_changed(sheet: list[list[Any]]) -> list[Finding]:
    found = sheet[L.HEADER_ROW - 1] if len(sheet) >= L.HEADER_ROW else []
    out = []
    for i, column in enumerate(L.COLUMNS):
        text = found[i] if i < len(found) else None
        if L.normal(text) != L.normal(column.header):
            out.append(
                finding(
                    "header_changed",
                    sheet=L.SHEET,
                    row=L.HEADER_ROW,
                    column=L.letter(column.key),
                    header=column.header,
                    letter=L.letter(column.key),
                    found="" if text is None else str(text),
                    expected=column.header,
                )
            )
    return out


def _row(cells: list[Any], index: int, errors: dict[tuple[int, int], str]) -> RawRow | None:
    values = {c.key: (cells[i] if i < len(cells) else None) for i, c in enumerate(L.COLUMNS)}
    bad = {c.key: errors[(index, i)] for i, c in enumerate(L.COLUMNS) if (index, i) in errors}
    if blank(values["target_id"]) and all(blank(values[k]) for k in L.INPUTS) and not bad:
        return None
    return RawRow(index + 1, values, bad)
