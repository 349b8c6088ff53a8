"""Normalisation of values as Chinese bureaus publish them: numbers, missing markers, periods, units.

Chinese numerals go through cn2an; full-width digits through Unicode NFKC. Everything else here is the
small amount of domain knowledge no library carries (how 统计月报 write periods and units).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass

from core.vocabulary import UnknownUnit, vocabulary

# The markers bureaus print for "no figure". NaN, None or null are not among them: a reader or a script
# wrote those, and a figure that became NaN somewhere is an error to report, not a gap (issue 14).
MISSING_MARKERS = frozenset({"", "—", "——", "-", "--", "…", "……", "...", "空", "/", "×", "x"})
_NOT_FINITE = frozenset({"nan", "-nan", "+nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


class NormaliseError(ValueError):
    """A value that cannot be read; the caller adds the source/file/row/column."""


def to_halfwidth(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(raw: object) -> float | None:
    """Read a published figure. Missing markers give None (never 0); anything else unreadable raises."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NormaliseError(f"boolean {raw!r} is not a number")
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise NormaliseError(f"{raw!r} is not a finite number")
        return float(raw)
    text = to_halfwidth(str(raw)).strip().replace("\u2212", "-")  # U+2212 minus from typeset tables
    if text.lower() in MISSING_MARKERS or re.fullmatch(r"\.{3,}|-{2,}", text):  # NFKC turns …… into ......
        return None
    if text.lower() in _NOT_FINITE:
        raise NormaliseError(f"{raw!r} is not a finite number (not a missing marker either)")
    text = text.replace(",", "").replace(" ", "").replace("%", "")
    if _PLAIN_NUMBER.fullmatch(text):
        value = float(text)
        if not math.isfinite(value):
            raise NormaliseError(f"{raw!r} overflows a number")
        return value
    if text.startswith("#") and text.upper() in _EXCEL_ERRORS:
        raise NormaliseError(f"{raw!r} is an Excel error cell, not a figure")
    if re.search(r"\d", text):
        # digits mixed with anything else (150.2亿, 约0.15, 1.5万) are refused: the column already carries
        # a unit, and reading 150.2亿 as 1.502e10 in a 亿元 column would be off by 1e8 without a word
        raise NormaliseError(f"{raw!r} is not a number (digits mixed with other characters)")
    try:
        # cn2an reads Chinese numerals written out: 一百二十, 两千, 负三点五
        return _chinese_numeral(text)
    except (ValueError, KeyError) as exc:
        raise NormaliseError(f"{raw!r} is not a number") from exc


@dataclass(frozen=True)
class Period:
    """A statistical period within one year, as months [start_month, end_month].

    1-2月 is one period (start 1, end 2): there is no January figure. Quarters and half years map to
    their months; 全年 is 1-12.
    """

    year: int
    start_month: int
    end_month: int

    @property
    def label(self) -> str:
        if self.start_month == self.end_month:
            return f"{self.year}年{self.end_month}月"
        return f"{self.year}年{self.start_month}-{self.end_month}月"


_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def parse_period(raw: object, default_year: int | None = None) -> Period:
    """Read the period labels bureaus use (cached: a release repeats the same few labels many times)."""
    return _parse_period(str(raw), default_year)


@functools.lru_cache(maxsize=4096)
def _parse_period(raw: str, default_year: int | None) -> Period:
    """Read the period labels bureaus use.

    Year-to-date forms (1-2月, 1—3月, 1-3季度, 上半年, 全年) start in January; single months (2024-03,
    202403, 2024M03, 3月) cover one month.
    """
    text = to_halfwidth(str(raw)).strip().replace(" ", "")
    text = re.sub(r"[—–~至到]", "-", text)
    year = default_year
    m = re.match(r"^(\d{4})(年|-|/|M|m|\.)?", text)
    rest = text
    if m and (m.group(2) or len(text) == 6 or len(text) == 4):
        year = int(m.group(1))
        rest = text[m.end() :]
    if year is None:
        raise NormaliseError(f"period {raw!r} has no year")
    if rest == "":
        return Period(year, 1, 12)
    labels = vocabulary().period_labels  # 全年, 上半年, 前三季度, 一季度, 年度 ...
    after_year = text[m.end(1) :] if m and rest is not text else rest  # 2023年度: the label is 年度
    for candidate in (rest, after_year):
        if (months := labels.get(candidate)) is not None:
            return Period(year, *months)
    if m2 := re.fullmatch(r"(\d{1,2})-(\d{1,2})月?(累计)?", rest):
        start, end = int(m2.group(1)), int(m2.group(2))
        return _checked(raw, Period(year, start, end))
    if m2 := re.fullmatch(r"(\d{1,2})月?(份|末|底)?", rest):
        month = int(m2.group(1))
        return _checked(raw, Period(year, month, month))
    if m2 := re.fullmatch(r"(?:第)?([一二三四1-4])季度?", rest) or re.fullmatch(r"Q([1-4])", rest):
        q = _QUARTER_WORDS[m2.group(1)]
        return Period(year, 3 * q - 2, 3 * q)
    if m2 := re.fullmatch(r"[1一]-([1-4一二三四])季度", rest):
        q = _QUARTER_WORDS[m2.group(1)]
        return Period(year, 1, 3 * q)
    if m2 := re.fullmatch(r"([一二三四五六七八九十]+)月", rest):
        month = int(_chinese_numeral(m2.group(1)))
        return _checked(raw, Period(year, month, month))
    raise NormaliseError(
        f"period {raw!r} is not a known form (1-2月, 2024-03, 202403, 2024M03, 2024Q2, 一季度, 上半年, 1-3季度, "
        "全年, 2023年度)"
    )


def _checked(raw: object, period: Period) -> Period:
    if not (1 <= period.start_month <= period.end_month <= 12):
        raise NormaliseError(f"period {raw!r} has months outside 1-12")
    return period


@dataclass(frozen=True)
class Unit:
    raw: str
    canonical: str
    multiplier: float


def parse_unit(raw: object) -> Unit:
    return _parse_unit(str(raw or ""))


@functools.lru_cache(maxsize=1024)
def _parse_unit(raw: str) -> Unit:
    """A unit as published, read through the one vocabulary (dbt_project/seeds/vocabulary/units.csv)."""
    text = re.sub(r"^[(\[]|[)\]]$", "", to_halfwidth(raw).strip())
    try:
        unit = vocabulary().unit(text)
    except UnknownUnit as exc:
        raise NormaliseError(f"{exc}; add it there if it is a real unit") from exc
    return Unit(text, unit.canonical, unit.multiplier)


_NAME_WITH_UNIT = re.compile(r"^(?P<name>.+?)\s*\((?P<unit>[^()]+)\)\s*$")


def split_name_and_unit(label: str) -> tuple[str, str | None]:
    """'固定资产投资(亿元)' -> ('固定资产投资', '亿元'); a label without brackets keeps unit None."""
    text = to_halfwidth(str(label)).strip()
    if m := _NAME_WITH_UNIT.match(text):
        return m.group("name").strip(), m.group("unit").strip()
    return text, None


def split_label(label: str) -> tuple[str, str | None]:
    """A row label and the unit in its brackets, if the brackets hold a unit of the vocabulary.

    '固定资产投资（亿元）' -> ('固定资产投资', '亿元'); '修缮文保单位(点)' -> ('修缮文保单位(点)', None): 点 is not a
    unit here, so the brackets are part of the name.
    """
    name, unit = split_name_and_unit(label)
    if unit is None:
        return to_halfwidth(str(label)).strip(), None
    try:
        parse_unit(unit)
    except NormaliseError:
        return to_halfwidth(str(label)).strip(), None
    return name, unit


def clean_label(label: object) -> str:
    """Indicator labels in reports carry indentation, full-width spaces and footnote marks."""
    text = to_halfwidth(str(label or ""))
    text = re.sub(r"[\s\u3000]+", "", text)
    text = re.sub(r"^(其中|内|含)[::]", "", text)  # 其中:工业投资 is a sub-item, named without the prefix
    return text.strip("*#※△")


def _chinese_numeral(text: str) -> float:
    import cn2an  # imported when a numeral is written in Chinese: the import costs every process 0.25 s

    return float(cn2an.cn2an(text, "normal"))
