"""Reports for people, read from the serving warehouse only, one set per plan and as-of month.

- workbook.py: the Excel 目标任务完成情况表 (summary sheet, one sheet per section of the plan);
  workbook_returns.py: its 填报及时性 sheet; sheet_style.py: the look every sheet shares
- html.py + templates/: the self-contained progress page with inline SVG charts (charts.py)
- queries.py: what both read; summary.py: the summary marts' rows as groups; words.py: figures in words
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from core.faults import checkpoint

log = logging.getLogger(__name__)


def generate(serving_db: Path, as_of: date, out_dir: Path, plan_id: str | None = None) -> dict[str, Any]:
    """Write the page and the workbook of one plan for one as-of month; returns their paths and counts.

    plan_id may be left out when only one plan has progress that month (the demo); otherwise it names the
    plan (marts.dim_plans), and a plan without progress that month is a UsageError.
    """
    from reporting.html import page_name, render_html
    from reporting.queries import read_snapshot
    from reporting.workbook import workbook_name, write_workbook

    snapshot = read_snapshot(serving_db, as_of, plan_id)
    html = render_html(snapshot, out_dir / page_name(snapshot))
    checkpoint("report.html_written")
    xlsx = write_workbook(snapshot, out_dir / workbook_name(snapshot))
    return {
        "html": str(html),
        "xlsx": str(xlsx),
        "plan_id": snapshot.plan_id,
        "plan_title": snapshot.title,
        "as_of": f"{as_of:%Y-%m}",
        "status_counts": snapshot.counts(),
    }
