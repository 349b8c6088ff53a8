"""Release formats: one module per format, discovered from the one table below.

Adding a format is a module beside these (options model, reader, proposer, sample writer: see base.py
and ingest/README.md, "Adding a format"), its tests, and one line in this table.
"""

from __future__ import annotations

from ingest.formats import csv_table, excel_report, nbs_json, progress_return, return_review_log, sdmx_csv
from ingest.formats.base import Format

FORMATS: dict[str, Format] = {
    m.FORMAT.name: m.FORMAT
    for m in (
        progress_return,  # before excel_report: sources add asks each sniff in this order
        excel_report,
        csv_table,
        nbs_json,
        sdmx_csv,
        return_review_log,
    )
}

__all__ = ["FORMATS", "Format"]
