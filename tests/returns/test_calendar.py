"""The submission calendar: due dates and lateness from the holidays and make-up days, the same in Python
as in the warehouse (a real dbt build of int_return_due_dates, compared for 24 months)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.contracts import RAW_ALIAS
from returns.calendar import load_calendar
from tests.conftest import BIN, REPO

CALENDAR = load_calendar()


@pytest.mark.parametrize(
    ("year", "month", "due"),
    [
        (2024, 1, date(2024, 2, 6)),  # 4 February, a Sunday, is a make-up working day before 春节
        (2024, 2, date(2024, 3, 7)),
        (2024, 4, date(2024, 5, 10)),  # 1-5 May off: 6 to 10 May
        (2024, 9, date(2024, 10, 12)),  # 1-7 October off, Saturday 12 October worked
        (2024, 12, date(2025, 1, 8)),  # 1 January off
        (2025, 1, date(2025, 2, 10)),  # 28 January to 4 February off, Saturday 8 February worked
        (2025, 9, date(2025, 10, 14)),  # 1-8 October off, Saturday 11 October worked
        (2026, 1, date(2026, 2, 6)),  # 1 February is a Sunday
    ],
)
def test_a_return_is_due_on_the_fifth_working_day_of_the_next_month(year: int, month: int, due: date) -> None:
    assert CALENDAR.due_working_day == 5
    assert CALENDAR.due_date(year, month) == due


@pytest.mark.parametrize(
    ("submitted", "late"),
    [
        (date(2024, 10, 12), 0),  # on the due day (a make-up Saturday)
        (date(2024, 10, 14), 1),  # the next working day
        (date(2024, 10, 13), 1),  # a Sunday counts as the next working day
        (date(2024, 10, 18), 5),
    ],
)
def test_lateness_counts_working_days_after_the_due_date(submitted: date, late: int) -> None:
    assert CALENDAR.late_working_days(submitted, 2024, 9) == late


def test_python_and_the_warehouse_agree_on_24_months_of_due_dates(tmp_path: Path) -> None:
    raw, build = tmp_path / "raw.duckdb", tmp_path / "build.duckdb"
    duckdb.connect(str(raw)).close()  # an empty raw layer: the calendar needs none of it
    env = dict(os.environ, PLANWATCH_RAW_DB=str(raw), PLANWATCH_BUILD_DB=str(build), PLANWATCH_RAW_ALIAS=RAW_ALIAS,
               PLANWATCH_STATE_DIR=str(tmp_path))  # fmt: skip
    proc = subprocess.run(
        [str(BIN / "dbt"), "build", "--profiles-dir", ".", "--select", "+int_return_due_dates", "--exclude", "test_type:data", "--vars",
         json.dumps({"known_on": "2026-01-31"}), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=REPO / "dbt_project", env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(str(build), read_only=True) as con:
        warehouse = dict(
            con.execute("select report_month, due_date from intermediate.int_return_due_dates").fetchall()
        )
    months = [(y, m) for y in (2024, 2025) for m in range(1, 13)]
    assert {date(y, m, 1): warehouse[date(y, m, 1)] for y, m in months} == {
        date(y, m, 1): CALENDAR.due_date(y, m) for y, m in months
    }
