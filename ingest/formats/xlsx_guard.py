"""An .xlsx checked before python-calamine reads it: the reader allocates by what the file claims.

A 5.5 KiB workbook with one cell at XFD1048576 makes the reader allocate a 16,384 × 1,048,576 grid (512
GiB); a corrupt deflate stream or a zip bomb does damage of its own. So the sheet's XML is streamed
through zipfile first (bounded chunks; zipfile checks each member's CRC at its end) and scanned for the
rows and columns it uses and for error cells (`t="e"`: #DIV/0!, #N/A ..., which calamine returns as empty
strings, so they would pass as missing figures). Nothing is allocated by what the file claims.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import Location
from ingest.errors import ReleaseError

if TYPE_CHECKING:
    from ingest.registry import Limits

_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"')
_REL_ALT = re.compile(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_COL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"')
_ERROR = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:<f>[^<]*</f>)?<v>([^<]*)</v>')
_TAIL = 512


@dataclass
class SheetScan:
    rows: int = 0
    columns: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 0-based -> #DIV/0!


def column_number(letters: bytes | str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def _unescape(name: bytes) -> str:
    text = name.decode("utf-8", "replace")
    for a, b in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(a, b)
    return text


def _sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    book = z.read("xl/workbook.xml")
    rels_xml = z.read("xl/_rels/workbook.xml.rels")
    rels = {rid: target for rid, target in _REL.findall(rels_xml)}
    rels.update({rid: target for target, rid in _REL_ALT.findall(rels_xml)})
    paths: dict[str, str] = {}
    for name, rid in _SHEET.findall(book):
        target = rels.get(rid, b"").decode()
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        paths[_unescape(name)] = target
    return paths


def scan(content: bytes, sheet: str | None, limits: Limits, where: Location) -> SheetScan:
    """Check the workbook's size when inflated and the chosen sheet's extent; find its error cells."""
    try:
        z = zipfile.ZipFile(io.BytesIO(content))
        total = sum(i.file_size for i in z.infolist())
        if total > limits.max_unzipped_bytes:
            raise ReleaseError(
                where,
                f"the workbook inflates to {total:,} bytes",
                f"at most {limits.max_unzipped_bytes:,} (limits.max_unzipped_bytes)",
            )
        paths = _sheet_paths(z)
        if not paths:
            raise ReleaseError(where, "the workbook names no sheets", "an Excel 2007+ workbook")
        name = sheet if sheet in paths else (sheet or next(iter(paths)))
        if name not in paths:
            return SheetScan()  # the reader reports the missing sheet with the sheets there are
        result = _scan_sheet(z, paths[name], limits, Location(where.source_id, where.file, name))
    except (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError) as exc:
        raise ReleaseError(
            where, f"not a readable .xlsx workbook ({exc})", "an Excel 2007+ workbook"
        ) from exc
    return result


def _scan_sheet(z: zipfile.ZipFile, path: str, limits: Limits, where: Location) -> SheetScan:
    found = SheetScan()
    with z.open(path) as stream:
        tail = b""
        while chunk := stream.read(4 << 20):
            text = tail + chunk
            rows = _ROW.findall(text)
            if rows:
                found.rows = max(found.rows, max(int(r) for r in rows))
            cols = set(_COL.findall(text))
            if cols:
                found.columns = max(found.columns, max(column_number(c) for c in cols))
            for col, row, value in _ERROR.findall(text) if b't="e"' in text else ():  # most sheets have none
                found.errors[(int(row) - 1, column_number(col) - 1)] = value.decode("utf-8", "replace")
            _check(found, limits, where)
            tail = text[-_TAIL:]
    return found


def _check(found: SheetScan, limits: Limits, where: Location) -> None:
    if found.rows > limits.max_rows or found.columns > limits.max_columns:
        raise ReleaseError(
            where,
            f"the sheet reaches row {found.rows:,} and column {found.columns:,}",
            f"at most {limits.max_rows:,} rows and {limits.max_columns:,} columns (limits of the source)",
        )
    if found.rows * found.columns > limits.max_cells:
        raise ReleaseError(
            where,
            f"the sheet spans {found.rows:,} × {found.columns:,} cells",
            f"at most {limits.max_cells:,} cells (limits.max_cells)",
        )
