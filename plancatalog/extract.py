"""Rules that turn a Chinese work-plan text into draft targets.

The extractor reads the plan clause by clause (a clause ends at , ; 。 and their full-width forms) and
keeps three kinds of rows:

* numeric targets: a number with a unit (450亿元, 6.5%, 110家, 两个…), with the comparator read from
  the words around it (以上, 超, 余, 以内, 左右, 达到, 控制在, 下降…);
* paired targets written as “双百” / “双降” / “双增” (two rows, one per named indicator);
* coverage (…全覆盖, 应换尽换) and milestones (投产, 建成, 通车, 投用, 竣工, 开工, 创成, 清零, 完成…报批)
  that carry no number.

Numbers that are not targets are dropped by rule, never by listing this plan's sentences: anything
inside quotation marks or book-title marks (programme names such as “122”, “四十百千”), numbers without a
unit (7号线, 2024年, 75周年, 15分钟), ordinals (第五次), identifiers (PM2.5), amounts that qualify a
noun (营收3亿元以上的企业, 5000万元以上楼宇2座), capacities inside a project's name (150万吨乙烯项目),
and every number in a sentence that reports last year's results (预计…, 2023年…, 1-11月…).
See plancatalog/README.md for the full list and how to review a draft.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import cn2an  # Chinese numerals (两, 十七, 一百二十) to numbers

from core.errors import DataError

logger = logging.getLogger(__name__)

DRAFT_COLUMNS = (
    "quote",
    "value",
    "unit",
    "comparator",
    "kind",
    "target_year",
    "section",
    "section_no",
    "span_start",
    "span_end",
    "indicator_name",
    "aspirational",
    "band",
    "unit_canonical",
    "unit_multiplier",
    "direction",
)


class PlanInputError(DataError):
    """The plan file cannot be used; the message names the file and says what was expected."""


@dataclass(frozen=True, slots=True)
class DraftTarget:
    """One target read from the plan. ``unit`` is the unit as written (亿元, 万亩, %)."""

    quote: str
    value: float | None
    unit: str
    comparator: str
    kind: str
    target_year: int
    section: str
    section_no: int | None
    span_start: int
    span_end: int
    indicator_name: str
    aspirational: bool
    band: float | None = None
    unit_canonical: str = ""
    unit_multiplier: float | None = None
    direction: str = "higher"

    def as_row(self) -> dict[str, str]:
        row: dict[str, str] = {}
        for key, val in asdict(self).items():
            if val is None:
                row[key] = ""
            elif isinstance(val, bool):
                row[key] = "true" if val else "false"
            elif isinstance(val, float):
                row[key] = format_number(val)
            else:
                row[key] = str(val)
        return row


assert tuple(f.name for f in fields(DraftTarget)) == DRAFT_COLUMNS


def format_number(val: float) -> str:
    """450.0 -> '450', 1.8 -> '1.8' (no float noise such as 1.7999999)."""
    if float(val).is_integer():
        return str(int(val))
    return f"{val:.10g}"


# ---------------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------------

# Measure words that count things: the number is a count, and a noun may follow (新建2个小微园区).
COUNT_UNITS: dict[str, str] = {
    **{u: "count" for u in "个家项座场套辆张户处宗条件所批支台艘栋幢"},
    "人次": "person_time",
    "人": "person",
    "名": "person",
}
# Units of measurement: (canonical unit, factor from the written unit to the canonical one).
MEASURE_UNITS: dict[str, tuple[str, float]] = {
    "美元": ("usd", 1),
    "元": ("yuan", 1),
    "千瓦时": ("kwh", 1),
    "千瓦": ("kw", 1),
    "兆瓦": ("kw", 1000),
    "吨标准煤": ("tce", 1),
    "标准箱": ("teu", 1),
    "吨": ("tonne", 1),
    "公斤": ("kg", 1),
    "千克": ("kg", 1),
    "斤": ("kg", 0.5),
    "平方公里": ("m2", 1_000_000),
    "平方米": ("m2", 1),
    "公顷": ("m2", 10_000),
    "亩": ("mu", 1),
    "立方米": ("m3", 1),
    "微克/立方米": ("ug_per_m3", 1),
    "公里": ("km", 1),
    "千米": ("km", 1),
    "头": ("head", 1),
    "只": ("head", 1),
    "%": ("percent", 1),
    "‰": ("percent", 0.1),
    "个百分点": ("percentage_point", 1),
    "百分点": ("percentage_point", 1),
}
PERCENT_UNITS = {"%", "‰", "个百分点", "百分点"}
MAGNITUDES: dict[str, float] = {"百万": 1e6, "千万": 1e7, "万": 1e4, "亿": 1e8, "千": 1e3}


def normalise_unit(unit_raw: str) -> tuple[str, float | None]:
    """'亿元' -> ('yuan', 1e8); '万斤' -> ('kg', 5000); '' -> ('', None)."""
    if not unit_raw:
        return "", None
    for mag in sorted(MAGNITUDES, key=len, reverse=True):
        base = unit_raw[len(mag) :]
        if unit_raw.startswith(mag) and (base in MEASURE_UNITS or base in COUNT_UNITS):
            canonical, factor = _base_unit(base)
            return canonical, factor * MAGNITUDES[mag]
    canonical, factor = _base_unit(unit_raw)
    return canonical, factor


def _base_unit(base: str) -> tuple[str, float]:
    if base in COUNT_UNITS:
        return COUNT_UNITS[base], 1.0
    if base in MEASURE_UNITS:
        canonical, factor = MEASURE_UNITS[base]
        return canonical, float(factor)
    raise KeyError(base)


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_ALL_UNITS = _alternation([*COUNT_UNITS, *MEASURE_UNITS])
_ARABIC_RE = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)"
    rf"(?P<mag>{_alternation(MAGNITUDES)})?"
    r"(?P<yu>余|多)?"
    rf"(?P<unit>{_ALL_UNITS})"
    r"(?P<yu2>余|多)?"
    r"(?P<post>及以上|以上|以下|以内|左右|上下)?"
)
_CN_DIGITS = "零〇一二两三四五六七八九十百千"
_CN_RE = re.compile(
    r"(?P<num>[一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*)"
    r"(?P<mag>万|亿)?"
    r"(?P<yu>余|多)?"
    rf"(?P<unit>{_alternation(COUNT_UNITS)})"
    r"(?P<yu2>余|多)?"
    r"(?P<post>及以上|以上|以下|以内|左右)?"
)
# A Chinese numeral is read as a count only right after a verb that creates or delivers things
# (新建两个…): elsewhere “两个”, “三个” are almost always slogans (两个毫不动摇, 三个一批).
_CN_COUNT_VERB = re.compile(
    r"(新增|新建|新改建|建成|建设|创建|创成|培育|打造|完成|实施|引进|引育|落地|开工|改造|认定|举办|开展|安排)$"
)

# ---------------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------------

_OPEN_QUOTES = "“‘《「『〈"
_CLOSE_QUOTES = "”’》」』〉"
_SENTENCE_END = set("。!?;!?;\n")
_CLAUSE_END = _SENTENCE_END | set(",,::")
_ITEM_END = _CLAUSE_END | {"、"}
_CJK = re.compile(r"[\u4e00-\u9fff]")

# Sentences that report results instead of setting targets.
_PAST_MARKERS = re.compile(
    r"预计|(?<![比较])去年|过去一年|过去的一年|上一年度|一年来|今年以来|回顾|已完成|已经完成|完成了|实现了|"
    r"1[-—~至到]\d{1,2}月"
)
_YEAR_RE = re.compile(r"(20\d{2})\s*年")
_YEAR_BASE_BEFORE = re.compile(r"(比|较|与|同|相比|在|对比)$")
_YEAR_BASE_AFTER = re.compile(r"^(底|末)?(基础上|水平|同期|相比)")
_PAST_HEADING = re.compile(r"回顾|总结|主要成绩|取得的成效")

_ASPIRATIONAL = re.compile(r"力争|争取|努力")
_GROWTH_WORDS = re.compile(r"增长率|增长|增速|增幅|递增|同比")
_RATE_WORDS = re.compile(r"率|比重|占比|比例|份额|水平")
_DECREASE_WORDS = re.compile(r"下降|降低|减少|压减|削减|降幅")
_STOCK_WORDS = re.compile(r"达到|拥有|累计|总数|总量|保有量|存量")
_NEW_WORDS = re.compile(r"新增|新建|新引|新改建|新开工")
_CAPACITY_BEFORE = re.compile(r"(年产|年处理|日处理|年吞吐|设计产能|产能|年产能)$")
_PROJECT_NOUN = re.compile(r"项目|工程|装置|生产线|基地|机组|码头|炼化|产能")
_QUALIFIER_OK_AFTER_DE = re.compile(r"^的(预期)?(目标|任务|水平|增长|增速|要求)")

_CMP_PREFIX: tuple[tuple[str, str], ...] = (
    ("不低于", ">="),
    ("不少于", ">="),
    ("不超过", "<="),
    ("不高于", "<="),
    ("控制在", "<="),
    ("保持在", ">="),
    ("稳定在", ">="),
    ("至少", ">="),
    ("达到", ">="),
    ("超过", ">"),
    ("高于", ">"),
    ("大于", ">"),
    ("多于", ">"),
    ("低于", "<"),
    ("少于", "<"),
    ("小于", "<"),
    ("保持", ">="),
    ("约", "~"),
    ("超", ">"),
    ("达", ">="),
)

_MILESTONE_VERB = re.compile(
    r"建成通车|建成投用|建成中交|建成投产|竣工投用|交付使用|投入使用|投产|建成(?!区)|竣工|通车|投用|"
    r"开工建设|落地开工|开工|创成|清零|报批"
)
_MILESTONE_LEAD_COMPLETE = re.compile(r"^(全面|基本|如期|按期|全力|确保|力争|年内|全年)*完成(?!率)")
# A milestone verb after one of these words describes work in progress, not a deliverable.
_PROGRESS_WORDS = re.compile(r"推进|加快|推动|谋划|启动|支持|探索|研究|争创|做好|深化|筹备|前期")
# …and a verb inside a programme's name (征迁清零攻坚行动) is not a deliverable either.
_NAME_ENDING = re.compile(r"(行动|活动|机制|模式|体系|制度|计划|方案|攻坚|工程包)$")
_SLOGAN_COUNT = re.compile(r"[一二两三四五六七八九十]+个$")
_COVERAGE = re.compile(r"全覆盖|应([\u4e00-\u9fff])尽\1")
_PAIR = re.compile(
    r"(?P<a>.+?)(?P<sep>[、和与及])(?P<b>[^、]+?)"
    r"(?P<verb>保持|实现|持续|做到)?[“\"'‘]?双(?P<what>百|降|增)[”\"'’]?"
)

# Leading verbs and adverbs stripped from a clause to guess the indicator's name.
_LEAD_WORDS = re.compile(
    r"^(全年|年内|全区|全市|全县|力争|争取|努力|确保|扎实|全力|持续|进一步|累计|动态|阶梯|同比|"
    r"新建和改造提升|培育和新增|新改建|新引育|新增|新建|新开工|建成|建设|创建|创成|培育|打造|完成|实现|"
    r"安排|开展|实施|推进|发放|引育|引进|改造提升|更新改造|改造|提升|整治|淘汰|优化|盘活利用|修缮|孵化|"
    r"保持|达到|推动|支持|组织|举办|落实)"
)
_TRAIL_WORDS = re.compile(
    r"(同比|比上年|比去年|较上年|较去年)?(增长|增速|增幅|提高|提升|下降|降低|减少)?"
    r"(不低于|不少于|不超过|控制在|保持在|稳定在|至少|达到|超过|高于|低于|保持|约|超|达|为|至)?$"
)


# ---------------------------------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------------------------------


def read_plan_text(path: Path) -> str:
    """Read a plan as UTF-8 text (a BOM is accepted) or raise PlanInputError saying what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise PlanInputError(f"{path}: no such file; expected a UTF-8 text file with the work plan") from exc
    except OSError as exc:
        raise PlanInputError(f"{path}: cannot be read ({exc.strerror}); expected a UTF-8 text file") from exc
    if not data.strip():
        raise PlanInputError(f"{path}: the file is empty; expected the text of a Chinese work plan (UTF-8)")
    if b"\x00" in data[:4096]:
        raise PlanInputError(
            f"{path}: looks like a binary file (or UTF-16 text); expected a UTF-8 text file with the plan"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            gbk = data.decode("gb18030")
        except UnicodeDecodeError:
            gbk = ""
        if _CJK.search(gbk):
            raise PlanInputError(
                f"{path}: is not UTF-8 (it reads as GBK/GB18030); expected UTF-8 text. "
                f"Convert it first, e.g. iconv -f GB18030 -t UTF-8"
            ) from exc
        raise PlanInputError(
            f"{path}: is not UTF-8 text (invalid byte at offset {exc.start}); expected a UTF-8 text file"
        ) from exc
    if not _CJK.search(text):
        raise PlanInputError(f"{path}: contains no Chinese text; expected the text of a Chinese work plan")
    return text


def infer_plan_year(text: str) -> int | None:
    """The year in the plan's title (the first year named in its first lines)."""
    head = text[:300]
    match = re.search(r"(20\d{2})\s*年[^。\n]{0,20}(计划|报告|要点|安排|目标)", head) or _YEAR_RE.search(head)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------------------------------
# Text structure
# ---------------------------------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("0123456789.%~", "0123456789.%~")


@dataclass(frozen=True, slots=True)
class _Section:
    start: int
    numeral: str
    number: int | None
    past: bool


class _PlanText:
    """The plan with the structure the rules need: quotes, sections, sentences, clauses, items."""

    def __init__(self, text: str) -> None:
        self.text = text
        # One character for one character, so every offset is also an offset in the original text.
        self.norm = text.translate(_FULLWIDTH)
        self.quoted = self._quote_mask(self.norm)
        self.sections = self._sections(self.norm)

    @staticmethod
    def _quote_mask(text: str) -> list[bool]:
        mask = [False] * len(text)
        depth = 0
        ascii_open = False
        for i, ch in enumerate(text):
            if ch == "\n":
                depth, ascii_open = 0, False
            elif ch in _OPEN_QUOTES:
                depth += 1
            elif ch in _CLOSE_QUOTES:
                depth = max(0, depth - 1)
                mask[i] = True
                continue
            elif ch == '"':
                ascii_open = not ascii_open
                mask[i] = True
                continue
            mask[i] = depth > 0 or ascii_open
        return mask

    @staticmethod
    def _sections(text: str) -> list[_Section]:
        top = list(re.finditer(r"^[ \t\u3000]*([一二三四五六七八九十]+)、(.*)$", text, re.M))
        sub = list(re.finditer(r"^[ \t\u3000]*[((]([一二三四五六七八九十]+)[))](.*)$", text, re.M))
        found = top or sub
        sections = []
        for match in found:
            numeral = match.group(1)
            try:
                number = int(cn2an.cn2an(numeral, "smart"))
            except ValueError:
                number = None
            sections.append(
                _Section(match.start(), numeral, number, bool(_PAST_HEADING.search(match.group(2))))
            )
        return sections

    def section_at(self, pos: int) -> _Section | None:
        current = None
        for section in self.sections:
            if section.start <= pos:
                current = section
        return current

    def _split(self, start: int, end: int, ends: set[str]) -> Iterator[tuple[int, int]]:
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
        yield from self._split(0, len(self.norm), _SENTENCE_END)

    def clauses(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        yield from self._split(start, end, _CLAUSE_END)

    def items(self, start: int, end: int) -> list[tuple[int, int]]:
        return list(self._split(start, end, _ITEM_END))

    def item_end(self, pos: int, end: int) -> int:
        for i in range(pos, end):
            if self.norm[i] in _ITEM_END and not self.quoted[i]:
                return i
        return end


# ---------------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SectionRef:
    numeral: str
    number: int | None


@dataclass(slots=True)
class _Number:
    start: int  # first character of the number
    end: int  # end of number + unit + 以上/左右…
    value: float
    unit_raw: str
    unit_base: str
    more_than: bool  # 余 / 多
    post: str


def _sentence_is_past(pt: _PlanText, start: int, end: int, plan_year: int) -> bool:
    sentence = pt.norm[start:end]
    if _PAST_MARKERS.search(sentence):
        return True
    for match in _YEAR_RE.finditer(sentence):
        year = int(match.group(1))
        if year >= plan_year:
            continue
        before = sentence[: match.start()]
        after = sentence[match.end() :]
        if _YEAR_BASE_BEFORE.search(before) or _YEAR_BASE_AFTER.search(after):
            continue
        return True
    return False


def _target_year(pt: _PlanText, sent_start: int, pos: int, plan_year: int) -> int:
    """到2027年… gives 2027; the nearest year before the number in its sentence wins."""
    year = plan_year
    for match in _YEAR_RE.finditer(pt.norm, sent_start, pos):
        found = int(match.group(1))
        if found > plan_year:
            year = found
        elif found == plan_year:
            year = plan_year
    return year


def _numbers(pt: _PlanText, start: int, end: int) -> list[_Number]:
    """Every number with a unit in [start, end) that is not inside quotes and not an identifier."""
    found: list[_Number] = []
    norm = pt.norm
    for match in _ARABIC_RE.finditer(norm, start, end):
        i = match.start()
        prev = norm[i - 1] if i > 0 else ""
        if pt.quoted[i] or (prev and (prev.isascii() and prev.isalpha() or prev in ".-_/")):
            continue
        if prev and prev.isdigit():
            continue
        value = float(match.group("num").replace(",", ""))
        found.append(_make_number(match, value))
    for match in _CN_RE.finditer(norm, start, end):
        i = match.start()
        prev = norm[i - 1] if i > 0 else ""
        if pt.quoted[i] or (prev and prev in _CN_DIGITS):
            continue
        nxt = norm[match.end()] if match.end() < len(norm) else ""
        if nxt in _OPEN_QUOTES or nxt == '"' or (nxt and nxt in _CN_DIGITS) or nxt == "全":
            continue
        if not _CN_COUNT_VERB.search(norm[start:i]):
            continue
        try:
            value = float(cn2an.cn2an(match.group("num"), "smart"))
        except ValueError:
            continue
        found.append(_make_number(match, value))
    found.sort(key=lambda n: n.start)
    return found


def _make_number(match: re.Match[str], value: float) -> _Number:
    mag = match.group("mag") or ""
    return _Number(
        start=match.start(),
        end=match.end(),
        value=value,
        unit_raw=mag + match.group("unit"),
        unit_base=match.group("unit"),
        more_than=bool(match.group("yu") or match.group("yu2")),
        post=match.group("post") or "",
    )


def _skip_reason(pt: _PlanText, num: _Number, item: tuple[int, int], others: list[_Number]) -> str | None:
    """Why a number is not a target (a qualifier, a capacity, an ordinal…), or None if it is one."""
    norm = pt.norm
    before = norm[item[0] : num.start]
    after = norm[num.end : item[1]]
    if before.endswith(("第", "每", "前", "排名", "No.", "No")):
        return "ordinal, rank or rate base"
    if after.startswith("的") and not _QUALIFIER_OK_AFTER_DE.match(after):
        return "qualifier (…以上的)"
    if after.startswith("级"):
        return "class or capacity (…吨级)"
    if any(o.start >= num.end for o in others):
        return "qualifier of a later number in the same item"
    if num.unit_base in MEASURE_UNITS and num.unit_base not in PERCENT_UNITS:
        if _CAPACITY_BEFORE.search(before):
            return "capacity (年产…)"
        if after and _CJK.match(after[0]) and _PROJECT_NOUN.search(after):
            return "capacity inside a project's name"
    return None


def _comparator(before: str, num: _Number) -> str:
    if num.post in ("以下", "以内"):
        return "<="
    if num.post in ("左右", "上下"):
        return "~"
    tail = before.rstrip()
    prefix_cmp = next((cmp for word, cmp in _CMP_PREFIX if tail.endswith(word)), None)
    if num.more_than:
        return ">"
    if prefix_cmp is not None and prefix_cmp != ">=":
        return prefix_cmp
    return ">="


def _kind(before: str, clause_before: str, after: str, num: _Number) -> str:
    if _DECREASE_WORDS.search(before):
        return "decrease"
    if num.unit_base in PERCENT_UNITS:
        if _COVERAGE.search(after[:6]):
            return "coverage"
        growth = [m.end() for m in _GROWTH_WORDS.finditer(before)]
        rate = [m.end() for m in _RATE_WORDS.finditer(before) if not before[: m.start()].endswith("增长")]
        if num.unit_base in ("个百分点", "百分点"):
            return "growth"
        if growth and (not rate or max(growth) >= max(rate)):
            return "growth"
        return "rate_held"
    if (
        _STOCK_WORDS.search(before)
        and not _NEW_WORDS.search(clause_before)
        and (num.unit_base in COUNT_UNITS or "拥有" in before or "累计" in before)
    ):
        return "stock"
    if num.unit_base in COUNT_UNITS:
        return "count"
    return "level"


def _band(value: float, unit_base: str) -> float:
    """Half-width of the band for 左右: 0.5 for a percentage, 2% of the value otherwise (to review)."""
    if unit_base in PERCENT_UNITS:
        return 0.5
    return round(value * 0.02, 6)


def _indicator_name(before: str, after_noun: str, previous: str) -> str:
    name = before.strip(" 、,,")  # noqa: B005 - a set of separator characters
    name = re.sub(r"^.*?[::]", "", name)
    for _ in range(4):
        stripped = _LEAD_WORDS.sub("", name)
        if stripped == name:
            break
        name = stripped
    name = _TRAIL_WORDS.sub("", name)
    if not name or name.endswith("等") or len(name) < 2:
        if after_noun:
            return after_noun.strip(' “”"')
        return previous
    return name


def _clean_start(pt: _PlanText, pos: int, end: int) -> int:
    while pos < end and pt.norm[pos] in " \t\u3000、,,":
        pos += 1
    return pos


def extract_targets(text: str, plan_year: int | None = None) -> list[DraftTarget]:
    """Read every target in a plan text. Spans are offsets in ``text``."""
    if plan_year is None:
        plan_year = infer_plan_year(text)
    if plan_year is None:
        raise PlanInputError("cannot tell the plan's year from its title; pass --year")
    pt = _PlanText(text)
    targets: list[DraftTarget] = []
    for s_start, s_end in pt.sentences():
        section = pt.section_at(s_start)
        if (section and section.past) or _sentence_is_past(pt, s_start, s_end, plan_year):
            if _numbers(pt, s_start, s_end):
                logger.debug("skipped results sentence: %s", pt.text[s_start:s_end][:60])
            continue
        previous: DraftTarget | None = None
        for c_start, c_end in pt.clauses(s_start, s_end):
            found = _clause_targets(pt, c_start, c_end, s_start, plan_year, section, previous)
            if found:
                previous = found[-1]
            targets.extend(found)
    return targets


def _clause_targets(
    pt: _PlanText,
    c_start: int,
    c_end: int,
    s_start: int,
    plan_year: int,
    section: _Section | None,
    previous: DraftTarget | None,
) -> list[DraftTarget]:
    norm = pt.norm
    clause = norm[c_start:c_end]
    sec = _SectionRef(section.numeral if section else "", section.number if section else None)
    aspirational = bool(_ASPIRATIONAL.search(clause))
    out: list[DraftTarget] = []

    numbers = _numbers(pt, c_start, c_end)
    items = pt.items(c_start, c_end)
    kept: list[_Number] = []
    for num in numbers:
        item = next((it for it in items if it[0] <= num.start < it[1]), (c_start, c_end))
        others = [o for o in numbers if item[0] <= o.start < item[1] and o is not num]
        reason = _skip_reason(pt, num, item, others)
        if reason:
            logger.debug("not a target (%s): %s", reason, pt.text[num.start : num.end])
            continue
        kept.append(num)

    quote_start = c_start
    for num in kept:
        quote_start = _clean_start(pt, quote_start, num.start)
        before = norm[quote_start : num.start]
        end = num.end
        after_noun = ""
        nxt = norm[end] if end < c_end else ""
        if nxt and (_CJK.match(nxt) or nxt in _OPEN_QUOTES) and nxt not in "的":
            noun_end = pt.item_end(end, c_end)
            after_noun = norm[end:noun_end]
            end = noun_end
        kind = _kind(before, norm[c_start : num.start], norm[num.end : c_end], num)
        comparator = "=" if kind == "coverage" else _comparator(before, num)
        coverage_word = _COVERAGE.search(norm, num.end, c_end) if kind == "coverage" else None
        if coverage_word:
            end = max(end, coverage_word.end())
        unit_canonical, multiplier = normalise_unit(num.unit_raw)
        previous_name = previous.indicator_name if previous else ""
        name = _indicator_name(before, after_noun, previous_name)
        if previous and not _indicator_name(before, "", "") and previous.unit == num.unit_raw:
            # 增长6%,力争7%: a bare number continues the previous target of the sentence.
            kind = previous.kind
        out.append(
            DraftTarget(
                quote=pt.text[quote_start:end],
                value=num.value,
                unit=num.unit_raw,
                comparator=comparator,
                kind=kind,
                target_year=_target_year(pt, s_start, num.start, plan_year),
                span_start=quote_start,
                span_end=end,
                indicator_name=name,
                aspirational=aspirational,
                band=_band(num.value, num.unit_base) if comparator == "~" else None,
                unit_canonical=unit_canonical,
                unit_multiplier=multiplier,
                direction="lower" if kind == "decrease" or comparator in ("<=", "<") else "higher",
                section=sec.numeral,
                section_no=sec.number,
            )
        )
        previous = out[-1]
        quote_start = end
    if out:
        return out

    year = _target_year(pt, s_start, c_end, plan_year)
    lead = _clean_start(pt, c_start, c_end) - c_start
    pair = _PAIR.match(clause, lead)
    if pair and not pt.quoted[c_start + pair.start("a")]:
        return _pair_targets(pt, c_start, pair, year, aspirational, sec)

    coverage = _COVERAGE.search(clause)
    # “三个全覆盖” written without quotes is still a slogan, not one coverage target.
    if (
        coverage
        and not pt.quoted[c_start + coverage.start()]
        and not _SLOGAN_COUNT.search(clause[: coverage.start()])
    ):
        start = _clean_start(pt, c_start, c_end)
        end = c_start + coverage.end()
        return [
            DraftTarget(
                quote=pt.text[start:end],
                value=100.0,
                unit="",
                comparator="=",
                kind="coverage",
                target_year=year,
                span_start=start,
                span_end=end,
                indicator_name=_indicator_name(norm[start : c_start + coverage.start()], "", ""),
                aspirational=aspirational,
                unit_canonical="percent",
                unit_multiplier=1.0,
                section=sec.numeral,
                section_no=sec.number,
            )
        ]
    return _milestones(pt, c_start, c_end, year, aspirational, sec)


def _pair_targets(
    pt: _PlanText,
    c_start: int,
    pair: re.Match[str],
    year: int,
    aspirational: bool,
    sec: _SectionRef,
) -> list[DraftTarget]:
    """A、B保持“双百” is two targets of 100%; A和B“双降” two decreases; “双增” two increases."""
    what = pair.group("what")
    kind, cmp_, value, unit = {
        "百": ("rate_held", "=", 100.0, "percent"),
        "降": ("decrease", ">", 0.0, "percent"),
        "增": ("growth", ">", 0.0, "percent"),
    }[what]
    spans = [
        (c_start + pair.start("a"), c_start + pair.end("a")),
        (c_start + pair.start("b"), c_start + pair.end()),
    ]
    out = []
    for start, end in spans:
        start = _clean_start(pt, start, end)
        name = (
            pt.norm[start : c_start + pair.end("a")] if start < c_start + pair.end("a") else pair.group("b")
        )
        out.append(
            DraftTarget(
                quote=pt.text[start:end],
                value=value,
                unit="",
                comparator=cmp_,
                kind=kind,
                target_year=year,
                span_start=start,
                span_end=end,
                indicator_name=_indicator_name(name, "", ""),
                aspirational=aspirational,
                unit_canonical=unit,
                unit_multiplier=1.0,
                direction="lower" if kind == "decrease" else "higher",
                section=sec.numeral,
                section_no=sec.number,
            )
        )
    return out


def _milestones(
    pt: _PlanText, c_start: int, c_end: int, year: int, aspirational: bool, sec: _SectionRef
) -> list[DraftTarget]:
    """确保X投产、Y建成中交 / 开工建设A、B等项目: one milestone per listed project."""
    norm = pt.norm
    start = _clean_start(pt, c_start, c_end)
    clause = norm[start:c_end]
    verbs = [m for m in _MILESTONE_VERB.finditer(clause) if not pt.quoted[start + m.start()]]
    lead_complete = _MILESTONE_LEAD_COMPLETE.match(clause)
    if verbs:
        verb_at = verbs[0].start()
        rest = norm[start + verbs[0].end() : pt.item_end(start + verbs[0].end(), c_end)]
        if _NAME_ENDING.search(rest):
            return []
    elif lead_complete and len(clause) - lead_complete.end() >= 2:
        verb_at = lead_complete.end()
    else:
        return []
    if _PROGRESS_WORDS.search(clause[:verb_at]):
        return []
    out = []
    for i_start, i_end in pt.items(start, c_end):
        i_start = _clean_start(pt, i_start, i_end)
        if i_end - i_start < 2:
            continue
        subject = _MILESTONE_VERB.sub("", norm[i_start:i_end])
        subject = re.sub(r"^(确保|力争|基本|全面|如期|按期|年内|全年|完成)+", "", subject)
        subject = re.sub(r"等.*项目$|等项目$|项目$", "", subject) or subject
        out.append(
            DraftTarget(
                quote=pt.text[i_start:i_end],
                value=None,
                unit="",
                comparator="=",
                kind="milestone",
                target_year=year,
                span_start=i_start,
                span_end=i_end,
                indicator_name=subject,
                aspirational=aspirational,
                section=sec.numeral,
                section_no=sec.number,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------------
# Draft files
# ---------------------------------------------------------------------------------------------------


def write_draft(targets: Iterable[DraftTarget], path: Path) -> int:
    """Write the draft CSV (UTF-8, no BOM); returns the number of rows."""
    rows = [t.as_row() for t in targets]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(DRAFT_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
