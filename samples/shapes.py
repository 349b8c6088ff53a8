"""Shapes shared by the sample generators: how a year's total builds up month by month, quarter words."""

from __future__ import annotations

from datetime import date

from ingest.normalise import Period

# Cumulative share of the annual total reached by the end of each month (index 2..12). Investment is
# back-loaded; consumption and output are closer to linear.
BACK_LOADED = {
    2: 0.10,
    3: 0.19,
    4: 0.27,
    5: 0.36,
    6: 0.47,
    7: 0.55,
    8: 0.63,
    9: 0.72,
    10: 0.80,
    11: 0.89,
    12: 1.0,
}
NEAR_LINEAR = {
    2: 0.155, 3: 0.24, 4: 0.32, 5: 0.405, 6: 0.49, 7: 0.575, 8: 0.66, 9: 0.745, 10: 0.83, 11: 0.915, 12: 1.0,
}  # fmt: skip
QUARTER_MONTHS = (3, 6, 9, 12)
DISTRICT_REG, CITY_REG = "330211", "330200"
DAYS = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def ytd(year: int, month: int) -> Period:
    return Period(year, 1, month)


def month_of(year: int, month: int) -> Period:
    return Period(year, month, month)


def quarter(year: int, month: int) -> Period:
    return Period(year, month - 2, month)


def released(year: int, month: int, day: int) -> date:
    """The release of period (year, month), published in the following month on `day`."""
    return date(year + (month == 12), month % 12 + 1, day)
