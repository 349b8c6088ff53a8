"""The words around a quantity: whether it is a target, its comparator, its kind and its indicator's name.

Numbers that are not targets are dropped by rule, never by listing a plan's sentences: ordinals and rate
bases (第五次, 每万人, 前10名), qualifiers (营收3亿元以上的企业, 5000万元以上楼宇2座: the first number
qualifies a noun that a later number counts), classes (5000吨级), and capacities in a project's name
(年产30万吨…项目, 150万吨乙烯项目).
"""

from __future__ import annotations

import re

from plancatalog.quantities import Quantity

CJK = re.compile(r"[\u4e00-\u9fff]")

# A price index's percentage is its rise (居民消费价格指数控制在3.5%以内); 自然增长率 is a rate, not a growth.
_GROWTH_WORDS = re.compile(r"(?<!自然)增长率|增长|增速|增幅|涨幅|递增|同比|价格指数")
_RATE_WORDS = re.compile(r"(?<!增长)率|自然增长率|比重|占比|比例|份额|水平|强度")
_DECREASE_WORDS = re.compile(r"下降|降低|减少|压减|削减|降幅|缩减")
# 降低至 X / 提高到 X: the quantity is the level to reach, not the size of the change.
_TO_LEVEL = re.compile(r"(下降|降低|减少|压减|压缩|缩小|降|控制|提高|提升|增加|增|扩大|恢复)(至|到|为)$")
_STOCK_WORDS = re.compile(r"达到|拥有|累计|总数|总量|保有量|存量")
_NEW_WORDS = re.compile(r"新增|新建|新引|新改建|新开工")
_CAPACITY_BEFORE = re.compile(r"(年产|年处理|日处理|年吞吐|设计产能|产能|年产能)$")
_PROJECT_NOUN = re.compile(r"项目|工程|装置|生产线|基地|机组|码头|炼化|产能")
_QUALIFIER_OK_AFTER_DE = re.compile(r"^的(预期)?(目标|任务|水平|增长|增速|要求)")
# 高于全省平均0.5个百分点, 快于城镇居民1个百分点: a gap to a benchmark named between the verb and the number.
_RELATIVE = re.compile(r"(高于|快于|低于|慢于|超过|超出)(?P<benchmark>[\u4e00-\u9fff]{2,12})$")
_RELATIVE_TAIL = re.compile(
    r"(高于|快于|低于|慢于|超过|超出)[\u4e00-\u9fff]{2,12}$|(恢复到|恢复至)?20\d{2}年的$"
)
_BASE_YEAR_SHARE = re.compile(r"(?P<benchmark>20\d{2}年)的$")
_SHARE_LEAD = re.compile(r"^(推动|力争|确保|实现|争取|全区|全市|全县|全年)*$")

_CMP_BEFORE: tuple[tuple[str, str], ...] = (
    ("不低于", ">="),
    ("不少于", ">="),
    ("不超过", "<="),
    ("不高于", "<="),
    ("控制在", "<="),
    ("保持在", ">="),
    ("稳定在", ">="),
    ("至少", ">="),
    ("达到", ">="),
    ("突破", ">"),
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

_LEAD_WORDS = re.compile(
    r"^(20\d{2}年|全年|年内|今年|全区|全市|全县|其中|力争|争取|努力|确保|扎实|全力|持续|进一步|累计|动态|阶梯|同比|"
    r"新建和改造提升|培育和新增|新建改扩建|新建改造|新建改建|新改建|改扩建|新认定|新培育|新签约|新引育|新增|新建|新开工|建成|建设|创建|创成|培育|打造|完成|实现|"
    r"安排|开展|实施|推进|发放|引育|引进|改造提升|更新改造|改造|提升|整治|淘汰|优化|盘活利用|修缮|孵化|"
    r"保持|达到|推动|支持|组织|举办|落实)"
)
_TRAIL_WORDS = re.compile(
    r"(目标为|目标是)?(同比|比上年|比去年|较上年|较去年)?"
    r"(增长|增速|增幅|涨幅|提高|提升|下降|降低|减少|削减|压减|缩小|扩大|恢复|降)?"
    r"(不低于|不少于|不超过|控制在|保持在|稳定在|至少|达到|突破|超过|高于|低于|保持|约|超|达|为|至|到)?$"
)


def skip_reason(before: str, after: str, q: Quantity, later_in_item: bool) -> str | None:
    """Why a quantity is not a target (a qualifier, a capacity, an ordinal…), or None if it may be one.

    ``before``/``after`` are the words of its list item before and after it.
    """
    if before.endswith(("第", "每", "前", "排名", "No.", "No")):
        return "ordinal, rank or rate base"
    if after.startswith("的") and not _QUALIFIER_OK_AFTER_DE.match(after) and not is_share(before, q, after):
        return "qualifier (…以上的)"
    if after.startswith("级"):
        return "class or capacity (…吨级)"
    if later_in_item:
        return "qualifier of a later number in the same item"
    if q.unit_def is not None and not q.is_percent and not q.is_count:
        if _CAPACITY_BEFORE.search(before):
            return "capacity (年产…)"
        if after and CJK.match(after[0]) and _PROJECT_NOUN.search(after):
            return "capacity inside a project's name"
    return None


def is_share(before: str, q: Quantity, after: str) -> bool:
    """20％以上的行政村达到…: a percentage of things, at the head of its clause, is a share to reach."""
    return q.is_percent and after.startswith("的") and bool(_SHARE_LEAD.match(before.strip()))


def relative_benchmark(before: str, q: Quantity) -> str | None:
    """The benchmark of a relative target (全省平均, 城镇居民, 2019年), or None."""
    if q.is_percent:
        match = _RELATIVE.search(before) or _BASE_YEAR_SHARE.search(before)
        if match:
            return match.group("benchmark")
    return None


def comparator(before: str, q: Quantity) -> str:
    if q.is_range or q.post in ("左右", "上下"):
        return "~"
    if q.post in ("以下", "以内") or _TO_LEVEL.search(before) and not _rising(before):
        return "<="
    if q.more_than:
        return ">"
    tail = before.rstrip()
    found = next((cmp for word, cmp in _CMP_BEFORE if tail.endswith(word)), None)
    if found is not None and found != ">=":
        return found
    return ">="


def _rising(before: str) -> bool:
    match = _TO_LEVEL.search(before)
    return bool(match and match.group(1) in ("提高", "提升", "增加", "增", "扩大", "恢复"))


def kind(before: str, clause_before: str, after: str, q: Quantity) -> str:
    """level, growth, count, rate_held, stock, decrease, coverage or relative (see plancatalog/README.md)."""
    if relative_benchmark(before, q):
        return "relative"
    if is_share(before, q, after):
        return "rate_held"
    to_level = bool(_TO_LEVEL.search(before))
    if _DECREASE_WORDS.search(before) and not to_level:
        return "decrease"
    if q.is_percent:
        return _percent_kind(before, after, q)
    if (
        _STOCK_WORDS.search(before)
        and not _NEW_WORDS.search(clause_before)
        and (q.is_count or "拥有" in before or "累计" in before)
    ):
        return "stock"
    return "count" if q.is_count else "level"


def _percent_kind(before: str, after: str, q: Quantity) -> str:
    if after[:6].find("全覆盖") >= 0:
        return "coverage"
    if q.unit in ("个百分点", "百分点"):
        return "growth"
    growth = [m.end() for m in _GROWTH_WORDS.finditer(before)]
    rate = [m.end() for m in _RATE_WORDS.finditer(before)]
    if growth and (not rate or max(growth) >= max(rate)):
        return "growth"
    return "rate_held"


def band(q: Quantity) -> float:
    """A range's half-width; for 左右 0.5 for a percentage, 2% of the value otherwise (to review)."""
    if q.band is not None:
        return q.band
    return 0.5 if q.is_percent else round(q.value * 0.02, 6)


def indicator_name(before: str, after_noun: str, previous: str) -> str:
    """The indicator's name guessed from the words before the number (固定资产投资 in 完成固定资产投资450亿元)."""
    name = before.strip(" 、,")  # noqa: B005 - a set of separator characters
    name = re.sub(r"^.*?:", "", name)
    name = _RELATIVE_TAIL.sub("", name)
    for _ in range(4):
        stripped = _LEAD_WORDS.sub("", name)
        if stripped == name:
            break
        name = stripped
    name = _TRAIL_WORDS.sub("", name)
    if not name or name.endswith("等") or len(name) < 2:
        noun = after_noun.strip(' “”"')
        if noun.startswith("的"):  # 20％的村达到…: the share of those villages
            return noun[1:] + "的比例"
        return noun or previous
    return name


def strip_lead(name: str) -> str:
    for _ in range(4):
        stripped = _LEAD_WORDS.sub("", name)
        if stripped == name:
            break
        name = stripped
    return name


_OWN_VERB = re.compile(
    r"^(确保|力争|全面|年内)*(新增|新建|建成|完成|开展|实施|举办|改造|建设|打造|培育|引进|开工|安装|配送|增设|"
    r"创成|投用|投产|竣工|通车)"
)


def has_own_verb(item: str) -> bool:
    """A list item that opens with its own verb (建成人民路天桥) is a target of its own."""
    return bool(_OWN_VERB.match(item.strip(" 、,")))  # noqa: B005 - a set of separator characters


_ASPIRATIONAL = re.compile(r"力争|争取|努力")


def is_aspirational(clause: str) -> bool:
    """力争/争取/努力 in the clause: a stretch target."""
    return bool(_ASPIRATIONAL.search(clause))
