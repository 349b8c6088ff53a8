"""How a figure reads in words, the same on the page and in the workbook.

- A target that cannot be judged yet (暂不评估, 暂无数据) carries no pace signal: no 超/落后序时, no colour.
- A gap is named by what it is measured against: 序时进度 for level, count and stock targets (completion
  rate against m/12), or the seasonal benchmark or batch schedule where that judged it (benchmark_kind),
  the target itself for growth, held-rate and decrease targets.
- 需加快 (at risk, off track) says what the rest of the year needs: the monthly amount for a level target,
  the growth for a growth target, the rate on the remaining days for a held rate (all from
  fct_target_progress).
"""

from __future__ import annotations

from typing import Any

from reporting.summary import NEEDS_ATTENTION, NOT_JUDGED

COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "~": "≈", "=": ""}


def judged(row: dict[str, Any]) -> bool:
    return row.get("status") not in NOT_JUDGED


def against_benchmark(row: dict[str, Any]) -> bool:
    """Is the gap measured against 序时进度 (a completion rate), rather than against the target?"""
    return row.get("completion_rate") is not None


BENCHMARK_WORDS = {"seasonal": "季节性基准", "batch_schedule": "批次计划"}


def gap_words(row: dict[str, Any], *, unit: str = "个百分点") -> str:
    """超序时3.2个百分点 / 落后季节性基准4.7个百分点 / 低于目标1.5个百分点; '' when there is no pace signal."""
    value = row.get("gap_pp")
    if value is None or not judged(row):
        return ""
    if against_benchmark(row):
        benchmark = BENCHMARK_WORDS.get(row.get("benchmark_kind") or "", "序时")
        return f"{'超' if value >= 0 else '落后'}{benchmark}{abs(value):.1f}{unit}"
    if row.get("kind") == "decrease":
        return f"{'好于' if value >= 0 else '差于'}目标{abs(value):.1f}{unit}"
    return f"{'高于' if value >= 0 else '低于'}目标{abs(value):.1f}{unit}"


def _amount(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"


def required_words(row: dict[str, Any]) -> str:
    """What the rest of the year needs, for targets that need speeding up (需加快); '' otherwise."""
    if row.get("status") not in NEEDS_ATTENTION:
        return ""
    parts = []
    run_rate = row.get("required_monthly_run_rate")
    if run_rate is not None and run_rate > 0:
        parts.append(f"剩余月份月均需完成{_amount(run_rate)}{row.get('unit_raw') or ''}")
    growth = row.get("required_rest_of_year_growth_pct")
    if growth is not None:
        parts.append(f"剩余月份需增长{growth:.1f}%")
    rate = row.get("required_remaining_rate_pct")
    if rate is not None:
        parts.append(f"剩余天数需达{rate:.1f}%" if rate <= 100 else "剩余天数全部达标也无法完成")
    return ";".join(parts)


def target_words(row: dict[str, Any]) -> str:
    if row.get("target_value") is None:
        return "节点目标"
    if row.get("kind") == "decrease":
        return "同比下降"
    sign = COMPARATOR_SIGNS.get(row.get("comparator") or "", "")
    # as the plan writes them: 1.8亿美元, 6.5%, 450亿元
    value = f"{row['target_value']:,.2f}".rstrip("0").rstrip(".")
    return f"{sign}{value}{row.get('unit_raw') or ''}"


def source_words(row: dict[str, Any]) -> str:
    """Where the figure comes from when a bureau's return gives it: 部门填报(8月,王审核接受) or (未审核)."""
    if row.get("figure_source") != "bureau_return":
        return ""
    month = row.get("return_report_month")
    when = f"{month.month}月," if month else ""
    who = "未审核" if row.get("is_unreviewed") else f"{row.get('return_accepted_by') or ''}审核接受"
    return f"部门填报({when}{who})"


def period(month: int | None) -> str:
    if not month:
        return ""
    return "1月" if month == 1 else f"1-{month}月"
