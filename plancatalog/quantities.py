"""Numbers with their units, read with the one vocabulary (core.vocabulary): 450亿元, 6.5％, 两个, 5％—6％.

A number is a target candidate only with a unit from dbt_project/seeds/vocabulary/units.csv (optionally
after a magnitude prefix from unit_magnitudes.csv), so 7号线, 2024年, 15分钟 and 75周年 never are. Two
exceptions: a range (5％—6％, 3-5家) is one quantity, and a ratio with no unit (城乡居民收入比1.85以内) counts
when the words before name a ratio.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import cn2an  # Chinese numerals (两, 十七, 一百二十) to numbers

from core.vocabulary import UnitDef, UnknownUnit, Vocabulary, vocabulary
from plancatalog.structure import OPEN_QUOTES, PlanText

COUNT_DIMENSIONS = frozenset({"count", "person", "person_time"})
_NUM = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?"
_POST = r"(?P<post>及以上|以上|以下|以内|左右|上下)?"
_CN_DIGITS = "零〇一二两三四五六七八九十百千"
# A Chinese numeral is read as a count only right after a verb that creates or delivers things
# (新建两个…): elsewhere “两个”, “三个” are almost always slogans (两个毫不动摇, 三个一批).
_CN_COUNT_VERB = re.compile(
    r"(新增|新建|新改建|建成|建设|创建|创成|培育|打造|完成|实施|引进|引育|落地|开工|改造|认定|举办|开展|安排)$"
)
_RATIO_BEFORE = re.compile(
    r"(比|倍差|系数|比值)(缩小到|缩小至|缩小为|降至|降低至|降低到|下降至|下降到|控制在|保持在|稳定在|达到|为)?$"
)


@dataclass(slots=True)
class Quantity:
    start: int  # first character of the number
    end: int  # after the unit and 以上/左右…
    value: float
    unit: str  # as written (NFKC) with its magnitude: 亿元, 万亩, %; "" for a ratio without a unit
    unit_def: UnitDef | None
    base_is_measure_word: bool  # 个, 家, 盏 …: a noun may follow (新建2个小微园区, 3.5万盏路灯)
    more_than: bool  # 余 / 多
    post: str  # 以上, 以内, 左右 …
    band: float | None = None  # a range's half-width
    is_range: bool = False

    @property
    def is_percent(self) -> bool:
        return self.unit_def is not None and self.unit_def.is_percent

    @property
    def is_count(self) -> bool:
        return self.unit_def is not None and self.unit_def.dimension in COUNT_DIMENSIONS


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class QuantityReader:
    """Finds quantities in a span of the normalised plan; the patterns come from the vocabulary."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or vocabulary()
        units = _alternation(self.vocab.units)
        mags = _alternation(self.vocab.magnitudes)
        counters = _alternation(
            u for u, d in self.vocab.units.items() if d.is_measure_word and d.dimension in COUNT_DIMENSIONS
        )
        # 余/多 before the unit (500余场, 1万多人); after it only 余, since 30台多层住宅 is 30 台 of 多层住宅.
        tail = rf"(?P<mag>{mags})?(?P<yu>余|多)?(?P<unit>{units})(?P<yu2>余)?{_POST}"
        self.arabic = re.compile(rf"(?P<num>{_NUM}){tail}")
        self.range = re.compile(
            rf"(?P<lo>{_NUM})(?P<lounit>(?:{mags})?(?:{units}))?\s*[-—–~至到]\s*(?P<num>{_NUM}){tail}"
        )
        self.chinese = re.compile(
            rf"(?P<num>[一二两三四五六七八九十][{_CN_DIGITS}]*)(?P<mag>万|亿)?(?P<yu>余|多)?"
            rf"(?P<unit>{counters})(?P<yu2>余)?{_POST}"
        )
        self.bare = re.compile(rf"(?P<num>{_NUM})(?P<post>以内|以下|左右|以上)?")

    def find(self, pt: PlanText, start: int, end: int) -> list[Quantity]:
        """Every quantity in [start, end) that is not inside quotes and not part of an identifier."""
        found = self._ranges(pt, start, end)
        taken = [(q.start, q.end) for q in found]
        for match in self.arabic.finditer(pt.norm, start, end):
            if any(s <= match.start() < e for s, e in taken) or not _free(pt, match.start()):
                continue
            quantity = self._make(match, float(match.group("num").replace(",", "")))
            if quantity is not None:
                found.append(quantity)
                taken.append((quantity.start, quantity.end))
        found.extend(self._chinese(pt, start, end))
        found.extend(self._ratios(pt, start, end, taken))
        found.sort(key=lambda q: q.start)
        return found

    def _make(self, match: re.Match[str], value: float) -> Quantity | None:
        mag, base = match.group("mag") or "", match.group("unit")
        try:
            unit_def = self.vocab.unit(mag + base)
        except UnknownUnit:
            return None  # a magnitude before a percentage (5万%) is not a quantity
        return Quantity(
            start=match.start(),
            end=match.end(),
            value=value,
            unit=unit_def.unit,
            unit_def=unit_def,
            base_is_measure_word=self.vocab.units[base].is_measure_word,
            more_than=bool(match.group("yu") or match.group("yu2")),
            post=match.group("post") or "",
        )

    def _ranges(self, pt: PlanText, start: int, end: int) -> list[Quantity]:
        """5％—6％, 5.5%-6%, 3-5处: one quantity, the midpoint with the half-width as its band."""
        out = []
        for match in self.range.finditer(pt.norm, start, end):
            lo_unit = match.group("lounit")
            hi_unit = (match.group("mag") or "") + match.group("unit")
            if (lo_unit and lo_unit != hi_unit) or not _free(pt, match.start()):
                continue
            lo, hi = float(match.group("lo")), float(match.group("num"))
            quantity = self._make(match, (lo + hi) / 2)
            if quantity is None or not lo < hi:
                continue
            quantity.band, quantity.is_range = (hi - lo) / 2, True
            out.append(quantity)
        return out

    def _chinese(self, pt: PlanText, start: int, end: int) -> list[Quantity]:
        out = []
        norm = pt.norm
        for match in self.chinese.finditer(norm, start, end):
            i = match.start()
            prev = norm[i - 1] if i > 0 else ""
            nxt = norm[match.end()] if match.end() < len(norm) else ""
            if pt.quoted[i] or (prev and prev in _CN_DIGITS):
                continue
            if nxt in OPEN_QUOTES or nxt == '"' or (nxt and nxt in _CN_DIGITS) or nxt == "全":
                continue
            if not _CN_COUNT_VERB.search(norm[start:i]):
                continue
            try:
                value = float(cn2an.cn2an(match.group("num"), "smart"))
            except ValueError:
                continue
            quantity = self._make(match, value)
            if quantity is not None:
                out.append(quantity)
        return out

    def _ratios(self, pt: PlanText, start: int, end: int, taken: list[tuple[int, int]]) -> list[Quantity]:
        """城乡居民收入比缩小至1.85以内: a number with no unit after a ratio's name."""
        out = []
        norm = pt.norm
        for match in self.bare.finditer(norm, start, end):
            i, j = match.start(), match.end()
            if any(s <= i < e for s, e in taken) or not _free(pt, i):
                continue
            nxt = norm[j] if j < end else ""
            if nxt and not match.group("post") and (nxt.isalnum() or nxt in "%.‰"):
                continue  # a unit, a date or a name follows: not a bare ratio
            if not _RATIO_BEFORE.search(norm[start:i]):
                continue
            post = match.group("post") or ""
            out.append(Quantity(i, j, float(match.group("num")), "", None, False, False, post))
        return out


def _free(pt: PlanText, i: int) -> bool:
    """Not inside quotes, and not the tail of an identifier or a longer number (PM2.5, 1-11月)."""
    prev = pt.norm[i - 1] if i > 0 else ""
    if pt.quoted[i]:
        return False
    return not prev or not (prev.isdigit() or (prev.isascii() and prev.isalpha()) or prev in ".-_/")


_READERS: dict[int, QuantityReader] = {}


def reader() -> QuantityReader:
    """The reader for this deployment's vocabulary (built once per process)."""
    vocab = vocabulary()
    if id(vocab) not in _READERS:
        _READERS[id(vocab)] = QuantityReader(vocab)
    return _READERS[id(vocab)]
