"""The plan's structure: normalised characters, quotation marks, sections, sentences, clauses, items.

Government pages write full-width punctuation (，；：（）％), and some copies use half-width; digits can be
full-width too. The text is normalised one character at a time with NFKC (，→, ％→% ２→2), so the rules see
one form and every offset in the normalised text is also an offset in the original (quotes are cut from
the original).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import cn2an  # Chinese numerals in headings (十一、) to numbers

OPEN_QUOTES = "“‘《「『〈"
CLOSE_QUOTES = "”’》」』〉"
# After NFKC: 。 stays; ，；：！？ become , ; : ! ?
SENTENCE_END = frozenset("。!?\n")
CLAUSE_END = SENTENCE_END | frozenset(",;:")
ITEM_END = CLAUSE_END | frozenset("、")
SPACE = " \t\u3000"

_TOP_HEADING = re.compile(r"^[ \t]*([一二三四五六七八九十]+)、(.*)$", re.M)
_SUB_HEADING = re.compile(r"^[ \t]*\(([一二三四五六七八九十]+)\)(.*)$", re.M)
# A heading that introduces last year's results: the whole section is skipped.
_PAST_HEADING = re.compile(r"回顾|总结|主要成绩|取得的成效|执行情况|完成情况|工作成效")
_HEADING_YEAR = re.compile(r"(20\d{2})\s*年")
# A sentence that opens a review (一年来，我们主要做了以下六个方面工作：) or an unnumbered review heading
# (2019年工作回顾) starts a passage of results that runs across numbered headings until a line announces
# this year's work (2020年工作安排, 对今年政府工作的建议, 二、2024年主要目标).
_REVIEW_INTRO = re.compile(r"(一年来|过去一年|过去的一年|五年来|回顾)[^。\n]*[:]\s*$")
_THIS_YEARS_WORK = re.compile(
    r"(今年|本年|(?P<year>20\d{2})\s*年)[^。\n]{0,15}(工作|目标|任务|安排|建议|思路|计划|重点)"
)


def normalise(text: str) -> str:
    """NFKC per character where it yields one character, so offsets are kept."""
    out = []
    for ch in text:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Section:
    start: int
    numeral: str
    number: int | None
    past: bool  # a review of last year: nothing in it is a target


class PlanText:
    """The plan with the structure the rules need. ``text`` is the original, ``norm`` the normalised copy."""

    def __init__(self, text: str, plan_year: int) -> None:
        self.text = text
        self.plan_year = plan_year
        self.norm = normalise(text)
        self.quoted = _quote_mask(self.norm)
        self.sections = self._sections()
        self.reviews = self._reviews()

    def _sections(self) -> list[Section]:
        found = list(_TOP_HEADING.finditer(self.norm)) or list(_SUB_HEADING.finditer(self.norm))
        sections = []
        for match in found:
            numeral, heading = match.group(1), match.group(2)
            try:
                number: int | None = int(cn2an.cn2an(numeral, "smart"))
            except ValueError:
                number = None
            years = [int(y) for y in _HEADING_YEAR.findall(heading)]
            past = bool(_PAST_HEADING.search(heading)) or any(y < self.plan_year for y in years)
            sections.append(Section(match.start(), numeral, number, past))
        return sections

    def _reviews(self) -> list[tuple[int, int]]:
        """Spans of review passages opened by an intro sentence or an unnumbered review heading."""
        spans: list[tuple[int, int]] = []
        opened: int | None = None
        pos = 0
        for line in self.norm.split("\n"):
            stripped = line.strip(SPACE)
            if opened is not None and self._announces_this_year(stripped):
                spans.append((opened, pos))
                opened = None
            is_heading = len(stripped) <= 30 and "。" not in stripped and not _TOP_HEADING.match(stripped)
            if opened is None and (
                _REVIEW_INTRO.search(stripped) or is_heading and _PAST_HEADING.search(stripped)
            ):
                opened = pos
            pos += len(line) + 1
        if opened is not None:
            spans.append((opened, len(self.norm)))
        return spans

    def _announces_this_year(self, line: str) -> bool:
        for match in _THIS_YEARS_WORK.finditer(line):
            if match.group("year") is None or int(match.group("year")) >= self.plan_year:
                return True
        return False

    def in_review(self, pos: int) -> bool:
        """Inside a review passage: last year's results, never targets."""
        section = self.section_at(pos)
        return bool(section and section.past) or any(s <= pos < e for s, e in self.reviews)

    def section_at(self, pos: int) -> Section | None:
        current = None
        for section in self.sections:
            if section.start <= pos:
                current = section
        return current

    def split(self, start: int, end: int, ends: frozenset[str]) -> Iterator[tuple[int, int]]:
        """Spans of [start, end) between separators in ``ends`` (separators inside quotes do not count)."""
        seg = start
        for i in range(start, end):
            ch = self.norm[i]
            if ch in ends and (ch == "\n" or not self.quoted[i]):
                if i > seg:
                    yield seg, i
                seg = i + 1
        if end > seg:
            yield seg, end

    def sentences(self) -> Iterator[tuple[int, int]]:
        yield from self.split(0, len(self.norm), SENTENCE_END)

    def clauses(self, start: int, end: int) -> list[tuple[int, int]]:
        return list(self.split(start, end, CLAUSE_END))

    def items(self, start: int, end: int) -> list[tuple[int, int]]:
        return list(self.split(start, end, ITEM_END))

    def item_end(self, pos: int, end: int) -> int:
        for i in range(pos, end):
            if self.norm[i] in ITEM_END and not self.quoted[i]:
                return i
        return end

    def skip_space(self, pos: int, end: int, also: str = "、,") -> int:
        while pos < end and (self.norm[pos] in SPACE or self.norm[pos] in also):
            pos += 1
        return pos


def _quote_mask(text: str) -> list[bool]:
    """True for every character inside quotation or book-title marks (a line end closes them all)."""
    mask = [False] * len(text)
    depth = 0
    ascii_open = False
    for i, ch in enumerate(text):
        if ch == "\n":
            depth, ascii_open = 0, False
        elif ch in OPEN_QUOTES:
            depth += 1
        elif ch in CLOSE_QUOTES:
            depth = max(0, depth - 1)
            mask[i] = True
            continue
        elif ch == '"':
            ascii_open = not ascii_open
            mask[i] = True
            continue
        mask[i] = depth > 0 or ascii_open
    return mask
