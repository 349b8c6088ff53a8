"""Targets without a number: paired targets (“双百”, “双降”), coverage (全覆盖, 应换尽换) and milestones.

A milestone is a deliverable with a completion verb (投产, 建成通车, 竣工, 开通运营, 创成, 清零, 报批…), one
row per listed project. Work in progress (推进, 加快…建设, 争创), a verb inside quotes (“亲清直通车”) or in a
programme's name (征迁清零攻坚行动), and a target set elsewhere (完成市下达的节能减排目标) are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plancatalog.rules import indicator_name
from plancatalog.structure import PlanText

_MILESTONE_VERB = re.compile(
    r"建成通车|建成投用|建成中交|建成投产|竣工投用|竣工投产|交付使用|投入使用|开通运营|主体完工|投产|"
    r"建成(?!区(?:绿|面积|覆盖|内|范围|人口))|竣工|完工|通车|投用|开诊|开工建设|落地开工|开工|创成|清零|报批"
)
_LEAD_COMPLETE = re.compile(r"^(全面|基本|如期|按期|全力|确保|力争|年内|全年)*完成(?!率)")
# A milestone verb after one of these words describes work in progress, not a deliverable.
_PROGRESS_WORDS = re.compile(r"推进|加快|谋划|启动|支持|探索|研究|争创|做好|深化|筹备|前期")
# …and a verb inside a programme's name (征迁清零攻坚行动) is not a deliverable either.
_NAME_ENDING = re.compile(r"(行动|活动|机制|模式|体系|制度|计划|方案|攻坚|工程包)$")
_VAGUE = re.compile(r"更多|一批|若干|一些|各类|一系列")
_DATES = re.compile(r"\d{1,2}月(底|末|份)?(前|以前)?|年底前|年内|上半年|下半年")
_SET_ELSEWHERE = re.compile(r"下达的?[\u4e00-\u9fff]*(目标|任务)")
_SLOGAN_COUNT = re.compile(r"[一二两三四五六七八九十]+个$")
_COVERAGE = re.compile(r"全覆盖|应([\u4e00-\u9fff])尽\1")
_PAIR = re.compile(
    r"(?P<a>.+?)(?P<sep>[、和与及])(?P<b>[^、]+?)"
    r"(?P<verb>保持|实现|持续|做到)?[“\"'‘]?双(?P<what>百|下降|降|减少|增长|增|提升|提高)[”\"'’]?"
)
_PAIR_KIND = {
    "百": ("rate_held", "=", 100.0),
    "下降": ("decrease", ">", 0.0),
    "降": ("decrease", ">", 0.0),
    "减少": ("decrease", ">", 0.0),
    "增长": ("growth", ">", 0.0),
    "增": ("growth", ">", 0.0),
    "提升": ("growth", ">", 0.0),
    "提高": ("growth", ">", 0.0),
}


@dataclass(frozen=True, slots=True)
class Wordless:
    """A target read without a number: its span in the text and what it means."""

    start: int
    end: int
    name: str
    kind: str
    comparator: str
    value: float | None
    unit_canonical: str


def clause_targets(pt: PlanText, c_start: int, c_end: int) -> list[Wordless]:
    """Paired targets, else a coverage, else milestones, in a clause that holds no target number."""
    start = pt.skip_space(c_start, c_end)
    clause = pt.norm[start:c_end]
    pair = _PAIR.match(clause)
    if pair and not pt.quoted[start + pair.start("a")]:
        kind, cmp_, value = _PAIR_KIND[pair.group("what")]
        end = start + pair.end()
        names = (pair.group("a"), pair.group("b"))
        return [Wordless(start, end, indicator_name(n, "", ""), kind, cmp_, value, "percent") for n in names]
    coverage = _COVERAGE.search(clause)
    # “三个全覆盖” written without quotes is still a slogan, not one coverage target.
    if (
        coverage
        and not pt.quoted[start + coverage.start()]
        and not _SLOGAN_COUNT.search(clause[: coverage.start()])
    ):
        name = indicator_name(clause[: coverage.start()], "", "")
        return [Wordless(start, start + coverage.end(), name, "coverage", "=", 100.0, "percent")]
    return milestones(pt, start, c_end)


def milestones(pt: PlanText, start: int, c_end: int) -> list[Wordless]:
    """确保X投产、Y建成中交 / 开工建设A、B等项目: one milestone per listed project."""
    clause = pt.norm[start:c_end]
    verbs = [m for m in _MILESTONE_VERB.finditer(clause) if not pt.quoted[start + m.start()]]
    lead_complete = _LEAD_COMPLETE.match(clause)
    if _SET_ELSEWHERE.search(clause):
        return []
    if verbs:
        verb_at = verbs[0].start()
        rest = pt.norm[start + verbs[0].end() : pt.item_end(start + verbs[0].end(), c_end)]
        if _NAME_ENDING.search(rest):
            return []
    elif lead_complete and len(clause) - lead_complete.end() >= 2:
        verb_at = lead_complete.end()
    else:
        return []
    if _PROGRESS_WORDS.search(clause[:verb_at]) or _VAGUE.search(clause[:verb_at]):
        return []
    out = []
    for i_start, i_end in pt.items(start, c_end):
        i_start = pt.skip_space(i_start, i_end)
        if i_end - i_start < 2:
            continue
        subject = _DATES.sub("", _MILESTONE_VERB.sub("", pt.norm[i_start:i_end]))
        subject = re.sub(r"^(确保|力争|推动|基本|全面|如期|按期|年内|全年|完成)+", "", subject)
        subject = re.sub(r"等.*项目$|等项目$|项目$", "", subject) or subject
        if not subject:
            continue  # a bare verb in a list (建成、改造…11所) belongs to what follows
        out.append(Wordless(i_start, i_end, subject, "milestone", "=", None, ""))
    return out
