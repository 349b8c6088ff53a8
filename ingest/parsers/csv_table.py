"""CSV exports in UTF-8 (with or without BOM) or GBK/GB18030, as bureaus' office systems write them.

Decoding is strict: a file that is not valid in the declared (or detected) encoding is rejected, and a
decoded header that does not hold the configured column names is rejected too. That second check is what
catches a wrong guess; loading GBK bytes as latin-1 "works" and silently yields mojibake.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date

from ingest.errors import Location, ReleaseError
from ingest.normalise import NormaliseError, clean_label, parse_period, split_name_and_unit, to_halfwidth
from ingest.parsers.base import ParsedRelease, make_record, period_for
from ingest.registry import CsvTableOptions, Source


def decode(content: bytes, encoding: str, where: Location) -> str:
    """Decode strictly; 'auto' tries UTF-8 (BOM or not) then GB18030, a superset of GBK."""
    candidates = ["utf-8-sig", "gb18030"] if encoding == "auto" else [encoding]
    if encoding == "gbk":
        candidates = ["gb18030"]  # a strict superset: files labelled GBK often carry GB18030-only characters
    errors = []
    for enc in candidates:
        try:
            return content.decode(enc)
        except UnicodeDecodeError as exc:
            errors.append(f"{enc}: byte {exc.start}")
    raise ReleaseError(
        where, f"cannot be decoded ({'; '.join(errors)})", f"text in {' or '.join(candidates)}"
    )


def read_delimited(
    content: bytes,
    encoding: str,
    delimiter: str,
    where: Location,
    parse_rows: Callable[[Iterator[list[str]]], ParsedRelease],
) -> ParsedRelease:
    """Decode strictly and hand the rows to a format's parser; a malformed file names its line."""
    text = decode(content, encoding, where)
    # strict: a file cut inside a quoted field raises instead of yielding a short last row
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        return parse_rows(reader)
    except csv.Error as exc:
        raise ReleaseError(
            Location(where.source_id, where.file, None, reader.line_num),
            f"malformed CSV ({exc}; file truncated?)",
            "complete rows with balanced quotes",
        ) from exc


def parse_csv_table(content: bytes, source: Source, file_name: str) -> ParsedRelease:
    opts = source.options
    assert isinstance(opts, CsvTableOptions)
    return read_delimited(
        content,
        opts.encoding,
        opts.delimiter,
        Location(source.id, file_name),
        lambda rows: _parse_rows(rows, source, file_name, opts),
    )


def _parse_rows(
    reader: Iterator[list[str]], source: Source, file_name: str, opts: CsvTableOptions
) -> ParsedRelease:
    where = Location(source.id, file_name)
    try:
        header = [to_halfwidth(h).strip() for h in next(reader)]
    except StopIteration:
        raise ReleaseError(where, "the file is empty", "a header row") from None
    required = [opts.period_column, opts.label_column, *opts.columns]
    required += [c for c in (opts.unit_column, opts.region_column, opts.release_date_column) if c]
    missing = [c for c in required if c not in header]
    if missing:
        raise ReleaseError(
            Location(source.id, file_name, None, 1),
            f"columns missing or renamed: {', '.join(missing)} (header is {header})",
            f"columns {required}",
        )
    col = {name: header.index(name) for name in required}
    result = ParsedRelease()
    found: set[str] = set()
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ReleaseError(
                Location(source.id, file_name, None, line_no),
                f"row has {len(row)} fields (file truncated or a stray delimiter?)",
                f"{len(header)} fields as in the header",
            )
        label, unit_in_label = split_name_and_unit(row[col[opts.label_column]])
        label = clean_label(label)
        mapping = source.mapping_for(label)
        if mapping is None:
            continue
        found.add(mapping.label)
        period_raw = row[col[opts.period_column]]
        try:
            period = parse_period(period_raw)
        except NormaliseError as exc:
            raise ReleaseError(
                Location(source.id, file_name, None, line_no, opts.period_column), str(exc)
            ) from exc
        if opts.release_date_column:
            released = _release_date(row[col[opts.release_date_column]], source, file_name, line_no, opts)
            result.release_date = max(filter(None, (result.release_date, released)), default=None)
        unit_text = row[col[opts.unit_column]].strip() if opts.unit_column else unit_in_label
        region = row[col[opts.region_column]].strip() if opts.region_column else source.region
        for column, measure in opts.columns.items():
            mapping = source.mapping_for(label, measure)
            if mapping is None:
                continue
            raw = row[col[column]]
            result.records.append(
                make_record(
                    source=source,
                    where=Location(source.id, file_name, None, line_no, column),
                    mapping=mapping,
                    period=period_for(measure, period),
                    measure=measure,
                    raw_value=raw,
                    unit_text=unit_text,
                    region=region,
                    label_raw=row[col[opts.label_column]],
                )
            )
    missing_ind = [m.label for m in source.indicators if m.label not in found]
    if missing_ind:
        raise ReleaseError(
            where,
            f"indicator rows missing or renamed: {', '.join(missing_ind)}",
            "rows named as in the registry",
        )
    return result


def _release_date(
    raw: str, source: Source, file_name: str, line_no: int, opts: CsvTableOptions
) -> date | None:
    """A row's release date (2024-03-20, 2024/3/20, 2024年3月20日); the release's date is the latest one."""
    text = to_halfwidth(raw).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        pass
    raise ReleaseError(
        Location(source.id, file_name, None, line_no, opts.release_date_column),
        f"release date {raw!r} is not a date",
        "a date such as 2024-03-20",
    )
