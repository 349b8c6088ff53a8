"""What a bureau reports for each of its targets in a month, for the sample returns: believable figures.

Each target gets a deterministic profile from the seed: most run on or a little ahead of 序时, about one in
seven behind. Cumulative counts and amounts rise towards the target along a curve (some back-loaded) and
never fall; stocks grow from last year's level; growth, rates and decreases move around the target;
coverage climbs to 100 % by late summer. Milestones move through their stages towards the goal stage of their wording
(dbt_project/seeds/config/milestone_goal_rules.csv, as the warehouse reads it), each with its next
planned stage and date; the ones behind reach each stage three months after it was planned, so their
planned dates pass unmet. Done stages carry 佐证材料.
"""

from __future__ import annotations

import calendar
import csv
import math
import random
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from ingest.formats.progress_return.catalog import Catalog, Target, seeds_dir
from ingest.formats.progress_return.model import Filled

BEHIND_SHARE = 1 / 7


@dataclass(frozen=True)
class Profile:
    behind: bool
    pace: float  # share of the target reached by December
    power: float  # 1: linear through the year; above 1: back-loaded
    offset: float  # growth and rates: distance from the target, in points


def profile(target: Target, seed: int) -> Profile:
    rng = random.Random(f"{seed}-return-{target.target_id}")
    behind = rng.random() < BEHIND_SHARE
    pace = rng.uniform(0.78, 0.9) if behind else rng.uniform(1.02, 1.15)
    offset = -rng.uniform(0.6, 2.5) if behind else rng.uniform(0.2, 1.8)
    return Profile(behind, pace, rng.choice((1.0, 1.0, 1.1)), offset)


def share(p: Profile, month: int) -> float:
    return p.pace * (month / 12) ** p.power


def _noise(target: Target, month: int, seed: int, spread: float) -> float:
    return random.Random(f"{seed}-noise-{target.target_id}-{month}").uniform(-spread, spread)


def amount(target: Target, month: int, seed: int) -> float | None:
    """The cumulative amount (counts, levels, stocks) or the percentage (growth, rates) at month end."""
    p = profile(target, seed)
    goal = target.target_value
    if goal is None:
        return None
    if target.kind == "count":
        value = goal * share(p, month)
        return float(math.floor(value + 0.5)) if goal >= 1 and _whole(target) else round(value, 2)
    if target.kind == "level":
        return round(goal * share(p, month), 2)
    if target.kind == "stock":
        start = goal / (1.06 if not p.behind else 1.09)
        return round(start + (goal - start) * share(p, month), 1)
    if target.kind == "coverage":  # full coverage by late summer; the ones behind stall short of it
        reach = 70 + 30 * month / 8 * p.pace
        return round(min(97.5, reach) if p.behind else min(100.0, reach), 1)
    if target.kind == "decrease":
        change = -(goal + 3 + p.offset) if not p.behind else 2.0 - p.offset
        return round(change + _noise(target, month, seed, 0.4), 1)
    value = goal + p.offset + _noise(target, month, seed, 0.3 * (12 - month) / 11)
    return round(min(value, 100.0) if target.kind == "rate_held" else value, 1)


def _whole(target: Target) -> bool:
    return not target.unit_raw.startswith("万")


@cache
def goal_rules() -> tuple[tuple[str, str, str], ...]:
    with (seeds_dir() / "config" / "milestone_goal_rules.csv").open(encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["priority"]))
    return tuple((r["match_field"], r["pattern"], r["goal_state"]) for r in rows)


def goal_state(target: Target, indicator_code: str) -> str:
    """The stage the milestone must reach, by the first rule matching its indicator code or wording."""
    for field, pattern, state in goal_rules():
        text = indicator_code if field == "indicator_code" else target.quote
        if re.search(pattern, text):
            return state
    return "completed"


@dataclass(frozen=True)
class Stages:
    order: list[str]  # the states from the first reported to the goal
    planned: list[int]  # the month each is planned to be reached (the first: already at the start)
    delay: int  # months late (behind milestones)


def stages(target: Target, catalog: Catalog, indicator_code: str, seed: int) -> Stages:
    states = list(catalog.states)
    goal = states.index(goal_state(target, indicator_code))
    rng = random.Random(f"{seed}-stages-{target.target_id}")
    start = max(0, min(goal - 1, rng.choice((1, 1, 2))))
    finish = rng.randint(7, 11)
    steps = max(goal - start, 1)
    planned = [1] + [round(1 + (finish - 1) * k / steps) for k in range(1, steps + 1)]
    return Stages(states[start : goal + 1], planned, 3 if profile(target, seed).behind else 0)


def milestone(target: Target, month: int, catalog: Catalog, indicator_code: str, seed: int) -> Filled:
    """The state reached by the month end, and unless the goal is done the next stage and its date."""
    plan = stages(target, catalog, indicator_code, seed)
    year = catalog.plans[target.plan_id].year
    reached = max(k for k, m in enumerate(plan.planned) if k == 0 or m + plan.delay <= month)
    state = catalog.states[plan.order[reached]]
    if reached + 1 < len(plan.order):
        following = catalog.states[plan.order[reached + 1]]
        due_month = plan.planned[reached + 1]
        planned = date(year, due_month, calendar.monthrange(year, due_month)[1])
    elif not state.is_done:  # the goal (开工) reached: the works go on into the next stage next year
        following = list(catalog.states.values())[list(catalog.states).index(state.state) + 1]
        planned = date(year + 1, 6, 30)
    else:
        following, planned = None, None
    text = f"项目{state.label_zh}" + (
        f"；下一节点“{following.label_zh}”计划于{planned.month}月{planned.day}日前完成。"
        if following and planned
        else "。"
    )
    if plan.delay and following and planned and planned < date(year, month, 1):
        text += "受前期手续影响，节点有所滞后，正在加快推进。"
    evidence = f"验收备案表（{year}-{target.target_id[-3:]}号）" if state.is_done else None
    return Filled(
        milestone_state=state.label_zh,
        next_stage=following.label_zh if following else None,
        next_stage_date=planned,
        progress_text=text,
        evidence_ref=evidence,
    )


def filled(target: Target, month: int, catalog: Catalog, indicator_code: str, seed: int) -> Filled:
    """The row a bureau fills in for a target in a month."""
    if target.is_milestone:
        return milestone(target, month, catalog, indicator_code, seed)
    value = amount(target, month, seed)
    p = profile(target, seed)
    if value is None:
        return Filled(progress_text="按计划推进。")
    if target.is_percent:
        text = f"截至{month}月底为{value:g}％。"
    else:
        done = 100 * value / target.target_value if target.target_value else 0
        text = f"截至{month}月底累计完成{value:g}{target.unit_raw}，占年度目标{done:.0f}％。"
    text += "进度慢于预期，下步将加快推进。" if p.behind else "按计划推进。"
    evidence = f"{month}月工作台账" if month % 3 == 0 else None
    return Filled(cumulative_value=value, progress_text=text, evidence_ref=evidence)
