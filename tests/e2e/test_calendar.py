"""The calendar of plans: nights at frozen dates track the right plans, and none of them fails.

Before, a run from February 2025 published and then failed its report three times over 8 minutes ("no
progress rows for as-of month 2025-02") while the summary said the run succeeded.

One deployment lives through a year: the same state is run on the night of 15 January 2025 (as of
December 2024), 2 February 2025 (January) and, long after, 2 December 2026 (November 2026). The first
night is a real `airflow dags test` of the nightly DAG with that logical date; the others run the DAG's
steps with their logical dates in this test's process (tests/reliability/night.py), a third of the time
each, since what they test is the calendar, not Airflow. The catalog holds the district's 2024 and 2025
plans and the sample releases run to March 2025. (A night of 20 March 2025 is not run: that 1-2月's
figures reach the 2025 plan is read from the December 2026 build's row of February 2025.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Project, RunResult, run_nightly, run_steps

pytestmark = pytest.mark.slow


def _plans(serving: Path) -> dict[str, tuple[str, object]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select plan_id, tracking_status, last_as_of_month from marts.dim_plans"
        ).fetchall()
    return {plan: (status, last) for plan, status, last in rows}


def _night(project: Project, logical_date: datetime) -> RunResult:
    """The scheduled night of logical_date through the DAG's steps, in this process (nothing here depends
    on Airflow around them)."""
    return run_steps(project, f"scheduled__{logical_date:%Y-%m-%dT%H%M}", logical_date=logical_date)


def test_nights_across_the_turn_of_the_year_report_the_active_plans(
    project: Project, airflow_home: Path
) -> None:
    serving = project.state / "warehouse" / "planwatch.duckdb"

    # 15 January 2025: December's figures; the 2025 plan has not begun
    jan = run_nightly(
        project, airflow_home, as_of=None, logical_date=datetime(2025, 1, 14, 18, 0, tzinfo=UTC)
    )
    assert jan.returncode == 0, jan.output[-3000:]
    assert jan.record.start is not None and jan.record.start.as_of == "2024-12"
    assert [(r.plan_id, r.as_of) for r in jan.record.reports] == [("district_2024", "2024-12")]
    assert _plans(serving)["district_2025"][0] == "not_started"

    # 2 February 2025: the 2025 plan is tracked from January; 2024 closes while its year-end figures
    # arrive, and is reported at its December as long as it does
    feb = _night(project, datetime(2025, 2, 1, 18, 0, tzinfo=UTC))
    assert feb.returncode == 0, feb.output[-3000:]
    assert feb.record.start is not None and feb.record.start.as_of == "2025-01"
    plans = _plans(serving)
    assert plans["district_2025"][0] == "tracking"
    reported = {r.plan_id: r.as_of for r in feb.record.reports}
    assert reported["district_2025"] == "2025-01"
    assert ("district_2024" in reported) == (plans["district_2024"][0] == "closing")
    if "district_2024" in reported:
        assert reported["district_2024"] == "2024-12"

    # 2 December 2026: the 2024 plan is closed; the 2025 plan's year is over, but its targets due by the
    # end of 2027 (到2027年…) are still followed, so it is reported with just those
    dec = _night(project, datetime(2026, 12, 1, 18, 0, tzinfo=UTC))
    assert dec.returncode == 0, dec.output[-3000:]
    assert dec.record.start is not None and dec.record.start.as_of == "2026-11"
    plans = _plans(serving)
    assert plans["district_2024"][0] == "closed" and plans["district_2025"][0] == "tracking"
    [report] = dec.record.reports
    assert (report.plan_id, report.as_of) == ("district_2025", "2026-11")
    with duckdb.connect(str(serving), read_only=True) as con:
        followed = con.execute(
            "select count(*), min(year(due_date)) from marts.fct_target_progress "
            "where plan_id = 'district_2025' and as_of_month = date '2026-11-01'"
        ).fetchone()
    assert followed is not None and followed[0] == sum(report.status_counts.values()) > 0
    assert followed[1] > 2026  # only targets due after 2026 are judged in 2026
    with duckdb.connect(str(serving), read_only=True) as con:
        assessed = con.execute(
            "select count(*) from marts.fct_target_progress where plan_id = 'district_2025' "
            "and as_of_month = date '2025-02-01' and actual_value is not null"
        ).fetchone()
    assert assessed is not None and assessed[0] > 0  # 1-2月 figures (a 1-2月 release) reach the new plan
