"""Which year a clause speaks of: last year's results, this year's targets, or a later year's.

Plans open with last year's results (2024年，全区地区生产总值增长5.8％；预计…) before this year's targets,
often in one sentence: 2023年完成18.6亿元，2024年目标为增长5％以上. Each clause of a sentence is read in
order; the first time marker in a clause decides (预计, 去年, an earlier year → results; 今年, 目标, 力争, the
plan year or a later one → targets), and a clause without one continues the clause before it. Every
sentence starts as a target sentence. A year that is a base (比2020年, 在2023年基础上, 2019年的90%) is no
marker. A later year (到2027年) also becomes the target year of what follows it in the sentence.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_PAST = re.compile(
    r"预计|(?<![比较])去年|过去一年|过去的一年|上一年度|一年来|今年以来|回顾|已完成|已经完成|完成了|实现了|"
    r"1[-—~至到]\d{1,2}月"
)
_PRESENT = re.compile(r"今年(?!以来)|本年度|目标|预期|力争|计划(?!执行)")
_YEAR = re.compile(r"(20\d{2})\s*年")
_YEAR_BASE_BEFORE = re.compile(r"(比|较|与|同|相比|在|对比|恢复到|恢复至|高于|低于)$")
_YEAR_BASE_AFTER = re.compile(r"^(底|末)?(的|基础上|水平|同期|相比)")
_MONTH_DUE = re.compile(r"(?<![\d.\-—~])(\d{1,2})月(底|末|份)?(前|以前)?")
_PERIOD_DUE = (
    (re.compile(r"(一|第一|1)季度"), 3),
    (re.compile(r"上半年"), 6),
    (re.compile(r"(前三|三|第三|3)季度"), 9),
    (re.compile(r"年底|年末|年内"), 12),
)


def _year_markers(clause: str, plan_year: int) -> list[tuple[int, str, int]]:
    """(position, 'past' | 'present', year) for each year in the clause that is not a base."""
    out = []
    for match in _YEAR.finditer(clause):
        before, after = clause[: match.start()], clause[match.end() :]
        if _YEAR_BASE_BEFORE.search(before) or _YEAR_BASE_AFTER.search(after):
            continue
        year = int(match.group(1))
        out.append((match.start(), "past" if year < plan_year else "present", year))
    return out


def clause_is_past(clause: str, plan_year: int, previous_past: bool) -> bool:
    """Whether a clause reports results, given whether the clause before it in its sentence did."""
    markers = [(m.start(), "past") for m in _PAST.finditer(clause)]
    markers += [(m.start(), "present") for m in _PRESENT.finditer(clause)]
    markers += [(pos, tense) for pos, tense, _ in _year_markers(clause, plan_year)]
    if not markers:
        return previous_past
    return min(markers)[1] == "past"


def target_year(sentence_before: str, plan_year: int) -> int:
    """到2027年…: the latest year named before the number in its sentence, if later than the plan's."""
    year = plan_year
    for _, _, found in _year_markers(sentence_before, plan_year):
        if found > plan_year:
            year = found
        elif found == plan_year:
            year = plan_year
    return year


_DATE_ONLY = re.compile(
    r"^\s*(\d{1,2}月(底|末|份)?(前|以前)?|上半年|下半年|年底前|年内|(第?[一二三四1-4])季度(末|前)?)\s*$"
)


def is_date_only(clause: str) -> bool:
    """6月底前 / 年底前 on its own: the deadline of the clause that follows."""
    return bool(_DATE_ONLY.match(clause))


def due_date(text: str, year: int) -> str:
    """The last deadline named in ``text`` (6月底前, 上半年, 年底) in ``year``, else 31 December; ISO date.

    ``text`` is the target's clause, after the clause before it if that one is only a date
    (6月底前，4号线开通运营 dates the 开通).
    """
    found = [(m.start(), int(m.group(1))) for m in _MONTH_DUE.finditer(text) if 1 <= int(m.group(1)) <= 12]
    found += [(m.start(), month) for pattern, month in _PERIOD_DUE for m in pattern.finditer(text)]
    month = max(found)[1] if found else 12
    return date(year, month, calendar.monthrange(year, month)[1]).isoformat()
