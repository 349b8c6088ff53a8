"""Parsers: one module per release format, each turning the bytes of one release into records.

`PARSERS` is the registry the pipeline looks formats up in; a new format is one module and one line here.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.parsers.base import ParsedRelease, Record
from ingest.parsers.csv_table import parse_csv_table
from ingest.parsers.excel_report import parse_excel_report
from ingest.parsers.nbs_json import parse_nbs_json
from ingest.parsers.sdmx_csv import parse_sdmx_csv
from ingest.registry import Source

Parser = Callable[[bytes, Source, str], ParsedRelease]

PARSERS: dict[str, Parser] = {
    "excel_report": parse_excel_report,
    "csv_table": parse_csv_table,
    "nbs_json": parse_nbs_json,
    "sdmx_csv": parse_sdmx_csv,
}

__all__ = ["PARSERS", "ParsedRelease", "Parser", "Record"]
