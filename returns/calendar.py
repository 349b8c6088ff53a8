"""The submission calendar: when a month's return is due, and how late one was, as the warehouse counts it.

The return for month m is due on the N-th working day of month m + 1, N = the threshold
return_due_working_day (dbt_project/seeds/config/status_thresholds.csv). Working days are Monday to
Friday, except the days in dbt_project/seeds/config/workday_exceptions.csv (official holidays off, weekend
make-up days 调休 on). The warehouse computes the same in int_workdays and int_return_due_dates, and a
return's lateness in int_returns_reviewed: working days from the due date to the day it arrived, a day off
counting as the next working day. tests/returns/test_calendar.py compares both for 24 months.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from core.errors import ConfigError
from ingest.formats.progress_return.catalog import seeds_dir

DUE_THRESHOLD = "return_due_working_day"


@dataclass(frozen=True)
class WorkCalendar:
    exceptions: dict[date, bool]  # day -> is it a working day (holidays False, make-up days True)
    due_working_day: int

    def is_workday(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def nth_workday(self, year: int, month: int, n: int) -> date:
        day, count = date(year, month, 1), 0
        while day.month == month:
            if self.is_workday(day):
                count += 1
                if count == n:
                    return day
            day += timedelta(days=1)
        raise ConfigError(f"{year}-{month:02d} has fewer than {n} working days ({DUE_THRESHOLD} = {n})")

    def due_date(self, year: int, month: int) -> date:
        """When the return for (year, month) is due: the N-th working day of the next month."""
        return self.nth_workday(year + month // 12, month % 12 + 1, self.due_working_day)

    def late_working_days(self, submitted_on: date, year: int, month: int) -> int:
        """0 when on time; else the working days after the due date up to the day it arrived (a day off
        counts as the next working day), as int_returns_reviewed counts them."""
        due = self.due_date(year, month)
        if submitted_on <= due:
            return 0
        days, day = 0, due
        while day < submitted_on:
            day += timedelta(days=1)
            days += self.is_workday(day)
        return days + (0 if self.is_workday(submitted_on) else 1)


def load_calendar(seeds: Path | None = None) -> WorkCalendar:
    """The calendar from the seeds (workday_exceptions.csv and the due working day threshold)."""
    config = (seeds or seeds_dir()) / "config"
    try:
        with (config / "workday_exceptions.csv").open(encoding="utf-8", newline="") as fh:
            exceptions = {date.fromisoformat(r["day"]): r["is_workday"] == "true" for r in csv.DictReader(fh)}
        with (config / "status_thresholds.csv").open(encoding="utf-8", newline="") as fh:
            values = {r["threshold"]: r["value"] for r in csv.DictReader(fh)}
        n = int(float(values[DUE_THRESHOLD]))
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"the submission calendar in {config} cannot be read: {exc!r}") from exc
    if not 1 <= n <= 15:
        raise ConfigError(f"{config / 'status_thresholds.csv'}: {DUE_THRESHOLD} must be 1 to 15, got {n}")
    return WorkCalendar(exceptions, n)
