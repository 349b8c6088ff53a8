"""Normalisation of values as Chinese bureaus publish them: numbers, missing markers, periods, units.

Chinese numerals go through cn2an; full-width digits through Unicode NFKC. Everything else here is the
small amount of domain knowledge no library carries (how 统计月报 write periods and units).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import cn2an

MISSING_MARKERS = frozenset(
    {"", "—", "——", "-", "--", "…", "……", "...", "空", "/", "×", "x", "nan", "none", "null"}
)


class NormaliseError(ValueError):
    """A value that cannot be read; the caller adds the source/file/row/column."""


def to_halfwidth(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(raw: object) -> float | None:
    """Read a published figure. Missing markers give None (never 0); anything else unreadable raises."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NormaliseError(f"boolean {raw!r} is not a number")
    if isinstance(raw, int | float):
        if raw != raw:  # NaN from a spreadsheet reader is an empty cell
            return None
        return float(raw)
    text = to_halfwidth(str(raw)).strip().replace("\u2212", "-")  # U+2212 minus from typeset tables
    if text.lower() in MISSING_MARKERS or re.fullmatch(r"\.{3,}|-{2,}", text):  # NFKC turns …… into ......
        return None
    text = text.replace(",", "").replace(" ", "").replace("%", "")
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    if re.search(r"\d", text):
        # digits mixed with anything else (150.2亿, 约0.15, 1.5万) are refused: the column already carries
        # a unit, and reading 150.2亿 as 1.502e10 in a 亿元 column would be off by 1e8 without a word
        raise NormaliseError(f"{raw!r} is not a number (digits mixed with other characters)")
    try:
        # cn2an reads Chinese numerals written out: 一百二十, 两千, 负三点五
        return float(cn2an.cn2an(text, "normal"))
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
    if rest in ("", "年", "全年", "年度", "1-12月", "1-4季度"):
        return Period(year, 1, 12)
    if m2 := re.fullmatch(r"前([二三四2-4])季度", rest):  # 前三季度 = 1-3季度
        return Period(year, 1, 3 * _QUARTER_WORDS[m2.group(1)])
    if rest in ("上半年", "1-2季度"):
        return Period(year, 1, 6)
    if rest == "下半年":
        return Period(year, 7, 12)
    if m2 := re.fullmatch(r"(\d{1,2})-(\d{1,2})月?(累计)?", rest):
        start, end = int(m2.group(1)), int(m2.group(2))
        return _checked(raw, Period(year, start, end))
    if m2 := re.fullmatch(r"(\d{1,2})月?(份)?", rest):
        month = int(m2.group(1))
        return _checked(raw, Period(year, month, month))
    if m2 := re.fullmatch(r"(?:第)?([一二三四1-4])季度?", rest) or re.fullmatch(r"Q([1-4])", rest):
        q = _QUARTER_WORDS[m2.group(1)]
        return Period(year, 3 * q - 2, 3 * q)
    if m2 := re.fullmatch(r"1-([1-4一二三四])季度", rest):
        q = _QUARTER_WORDS[m2.group(1)]
        return Period(year, 1, 3 * q)
    if m2 := re.fullmatch(r"([一二三四五六七八九十]+)月", rest):
        month = int(cn2an.cn2an(m2.group(1), "normal"))
        return _checked(raw, Period(year, month, month))
    raise NormaliseError(
        f"period {raw!r} is not a known form (1-2月, 2024-03, 202403, 2024M03, 一季度, 上半年, 1-3季度, 全年)"
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


# Canonical units keep a level in base units (yuan, usd, kg, ...) so that sums and ratios across
# sources never mix 亿元 with 万元. Rates stay in percent.
_UNITS: dict[str, tuple[str, float]] = {
    "亿元": ("yuan", 1e8),
    "万元": ("yuan", 1e4),
    "元": ("yuan", 1.0),
    "亿美元": ("usd", 1e8),
    "万美元": ("usd", 1e4),
    "美元": ("usd", 1.0),
    "%": ("percent", 1.0),
    "％": ("percent", 1.0),
    "百分点": ("percentage_point", 1.0),
    "万千瓦": ("kw", 1e4),
    "千瓦": ("kw", 1.0),
    "亩": ("mu", 1.0),
    "万亩": ("mu", 1e4),
    "斤": ("kg", 0.5),
    "万斤": ("kg", 5e3),
    "吨": ("tonne", 1.0),
    "万吨": ("tonne", 1e4),
    "公里": ("km", 1.0),
    "平方米": ("m2", 1.0),
    "万平方米": ("m2", 1e4),
    "万人": ("person", 1e4),
    "人": ("person", 1.0),
    "名": ("person", 1.0),
    "万千瓦时": ("kwh", 1e4),
    "亿千瓦时": ("kwh", 1e8),
    "头": ("head", 1.0),
    "万头": ("head", 1e4),
}
_COUNT_UNITS = "家个项座场套辆张户处件宗次所条起"


def parse_unit(raw: object) -> Unit:
    return _parse_unit(str(raw or ""))


@functools.lru_cache(maxsize=1024)
def _parse_unit(raw: str) -> Unit:
    text = re.sub(r"^[(\[]|[)\]]$", "", to_halfwidth(raw).strip())
    if text in _UNITS:
        canonical, mult = _UNITS[text]
        return Unit(text, canonical, mult)
    if len(text) == 1 and text in _COUNT_UNITS:
        return Unit(text, "count", 1.0)
    raise NormaliseError(f"unit {raw!r} is not a known unit ({', '.join(sorted(_UNITS))}, or a count unit)")


_NAME_WITH_UNIT = re.compile(r"^(?P<name>.+?)\s*\((?P<unit>[^()]+)\)\s*$")


def split_name_and_unit(label: str) -> tuple[str, str | None]:
    """'固定资产投资(亿元)' -> ('固定资产投资', '亿元'); a label without brackets keeps unit None."""
    text = to_halfwidth(str(label)).strip()
    if m := _NAME_WITH_UNIT.match(text):
        return m.group("name").strip(), m.group("unit").strip()
    return text, None


def clean_label(label: object) -> str:
    """Indicator labels in reports carry indentation, full-width spaces and footnote marks."""
    text = to_halfwidth(str(label or ""))
    text = re.sub(r"[\s\u3000]+", "", text)
    text = re.sub(r"^(其中|内|含)[::]", "", text)  # 其中:工业投资 is a sub-item, named without the prefix
    return text.strip("*#※△")
