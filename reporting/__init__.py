"""Reports for people, read from the serving warehouse only.

- workbook.py: the Excel 目标任务完成情况表 (summary sheet, one sheet per section of the plan)
- html.py + templates/: the self-contained progress page with inline SVG charts (charts.py)
- queries.py: what both read; summary.py: counts by status per section and per bureau
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def generate(serving_db: Path, as_of: date, out_dir: Path) -> dict[str, Any]:
    """Write every report for one as-of month; returns their paths and the status counts."""
    from reporting.html import page_name, render_html
    from reporting.queries import read_snapshot
    from reporting.workbook import workbook_name, write_workbook

    snapshot = read_snapshot(serving_db, as_of)
    html = render_html(snapshot, out_dir / page_name(snapshot))
    xlsx = write_workbook(snapshot, out_dir / workbook_name(snapshot))
    return {
        "html": str(html),
        "xlsx": str(xlsx),
        "as_of": f"{as_of:%Y-%m}",
        "status_counts": snapshot.counts(),
    }
