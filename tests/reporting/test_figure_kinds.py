"""A growth or decrease target judged from an amount, with no growth rate: the report shows the amount.

The night of 2 February 2025 failed in its report ("must be real number, not NoneType"): a decrease
target of the new plan had a bureau's return (an amount) and no year-on-year rate yet, and the page
formatted the missing rate.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.reporting.conftest import AS_OF, PLAN


def test_a_growth_or_decrease_target_without_a_rate_is_shown_by_its_amount(
    serving_db: Path, tmp_path: Path
) -> None:
    from reporting import generate

    copy = tmp_path / "planwatch.duckdb"
    shutil.copyfile(serving_db, copy)
    copy.chmod(0o644)
    with duckdb.connect(str(copy)) as con:
        changed = con.execute(
            """
            update marts.fct_target_progress
            set ytd_growth_pct = null, actual_value = 12345.5, status = 'off_track',
                status_label_zh = '明显滞后'
            where plan_id = ? and as_of_month = ? and kind in ('growth', 'decrease')
            returning target_id, kind
            """,
            [PLAN, AS_OF],
        ).fetchall()
    assert {kind for _, kind in changed} == {"growth", "decrease"}

    out = generate(copy, AS_OF, tmp_path / "reports", plan_id=PLAN)
    page = Path(out["html"]).read_text(encoding="utf-8")
    assert "12,345.5" in page or "12345.5" in page
