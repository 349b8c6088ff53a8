"""Reports for people, read from the serving warehouse only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def generate(serving_db: Path, as_of: date, out_dir: Path) -> dict[str, Any]:
    """Write every report for one as-of month; returns their paths and the status counts."""
    from planwatch.report.html import render_html
    from planwatch.report.queries import read_snapshot

    snapshot = read_snapshot(serving_db, as_of)
    html = render_html(snapshot, out_dir / f"progress_{as_of:%Y-%m}.html")
    return {"html": str(html), "as_of": f"{as_of:%Y-%m}", "status_counts": snapshot.counts()}
