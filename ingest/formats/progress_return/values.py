"""Cell values as bureaus type them: numbers with full-width digits, thousands separators or the row's unit,
dates as dates or as text (2024-05-08, 2024/5/8, 2024年5月8日), phone numbers, and text.

Each reader returns the value or raises ValueError with what was wrong, for the rules to report.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

from core.vocabulary import UnknownUnit, vocabulary
from ingest.normalise import NormaliseError, parse_number

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_PHONE = re.compile(r"(\+?86-?)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}((-|转)\d{1,6})?|\d{7,8})")
_NUMBER_THEN_UNIT = re.compile(r"^([-+−－]?[\d.,，０-９]+)\s*(\S+)$")
_EXCEL_EPOCH = date(1899, 12, 30)


def nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def text_of(value: Any) -> str | None:
    """A cell as text (a number typed into a text cell keeps its digits), or None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = str(value).strip()
    return text or None


class OtherUnit(ValueError):
    """A number written with a unit that is not the row's (3200万元 in an 亿元 row)."""

    def __init__(self, written: str) -> None:
        super().__init__(written)
        self.written = written


def number_of(value: Any, unit: str) -> float | None:
    """The number in a 累计完成值 cell, in the row's unit; None for blank or a missing marker (—, 空)."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError("a true/false value")
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = nfkc(value).replace(" ", "")
        if not text:
            return None
        text = _strip_unit(text, unit)
        try:
            parsed = parse_number(text)
        except NormaliseError as exc:
            raise ValueError(str(exc)) from exc
        if parsed is None:
            return None
        number = float(parsed)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _strip_unit(text: str, unit: str) -> str:
    """'12.5亿元' in an 亿元 row -> '12.5'; '6.5%' in a % row -> '6.5'; another unit raises OtherUnit."""
    if unit and text.endswith(nfkc(unit)) and text != nfkc(unit):
        return text[: -len(nfkc(unit))]
    if m := _NUMBER_THEN_UNIT.match(text):
        written = m.group(2)
        try:
            vocabulary().unit(written)
        except UnknownUnit:
            return text  # not a unit: parse_number says what is wrong
        raise OtherUnit(written)
    return text


def date_of(value: Any) -> date | None:
    """A date cell, or a date typed as text; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial number in a cell not formatted as a date
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError("a number, not a date")
    m = _DATE.fullmatch(nfkc(value))
    if not m:
        raise ValueError("not a date")
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def phone_ok(text: str) -> bool:
    return bool(
        _PHONE.fullmatch(nfkc(text).replace(" ", "").replace("（", "(").replace("(", "").replace(")", "-"))
    )


def is_whole_count_unit(unit: str) -> bool:
    """个, 家, 座 ... without a magnitude prefix: counted in whole things."""
    try:
        found = vocabulary().unit(unit)
    except UnknownUnit:
        return False
    return found.is_measure_word and found.canonical == "count" and found.multiplier == 1.0
