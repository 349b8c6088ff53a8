"""The checks on one filled row of a returned file: its number, its milestone state and planned stage, its
evidence and its texts (the rules are listed in rules.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ingest.errors import Finding
from ingest.formats.progress_return import layout as L
from ingest.formats.progress_return.catalog import Catalog, Plan, State, Target
from ingest.formats.progress_return.messages import finding
from ingest.formats.progress_return.model import ProgressReturnOptions, ReturnRow
from ingest.formats.progress_return.reading import RawRow
from ingest.formats.progress_return.values import OtherUnit, date_of, is_whole_count_unit, number_of, text_of

# the range a 累计完成值 may take, by kind: (low, high, 合理范围, hint)
RANGES: dict[str, tuple[float, float, str, str]] = {
    "count": (0, float("inf"), "不小于0", "数量为累计新增数，不为负"),
    "level": (0, float("inf"), "不小于0", "总量为年初至本月末的累计数，不为负"),
    "stock": (0, float("inf"), "不小于0", "存量为本月末的期末数，不为负"),
    "rate_held": (0, 100, "0至100", "比率填百分数，如92.5"),
    "coverage": (0, 100, "0至100", "覆盖率填百分数，如85"),
    "growth": (-100, 1000, "-100至1000", "增速填同比增长的百分数，如6.5"),
    "decrease": (-100, 100, "-100至100", "降幅填同比变化的百分数，下降为负数，如-5.2"),
}


class _Row:
    """One row's findings, each placed at its cell."""

    def __init__(self, raw: RawRow, out: list[Finding]) -> None:
        self.raw, self.out = raw, out
        self.count = 0

    def add(self, rule: str, key: str, **values: Any) -> None:
        self.count += 1
        self.out.append(finding(rule, sheet=L.SHEET, row=self.raw.file_row, column=L.letter(key),
                                header=L.BY_KEY[key].header, **values))  # fmt: skip


def check_row(
    raw: RawRow, target: Target, plan: Plan, catalog: Catalog, opts: ProgressReturnOptions, out: list[Finding]
) -> ReturnRow | None:
    """The row as loaded, or None when it has a problem (every problem of it is added to out)."""
    row = _Row(raw, out)
    value = _number(row, raw.values["cumulative_value"], target)
    state = _state(row, raw.values["milestone_state"], "milestone_state", catalog)
    next_stage = _state(row, raw.values["next_stage"], "next_stage", catalog)
    try:
        planned = date_of(raw.values["next_stage_date"])
    except ValueError:
        planned = None
        row.add("date_unreadable", "next_stage_date", what="planned date", what_zh="计划节点日期",
                value=text_of(raw.values["next_stage_date"]))  # fmt: skip
    texts = _texts(row, raw, opts)
    _stages(row, raw, target, state, next_stage, planned, plan)
    if state is not None and state.is_done and texts["evidence_ref"] is None:
        row.add("evidence_missing", "evidence_ref", state=state.state, state_zh=state.label_zh)
    if row.count:
        return None
    return ReturnRow(
        target_id=target.target_id,
        file_row=raw.file_row,
        cumulative_value=value,
        milestone_state=state.state if state else None,
        next_stage=next_stage.state if next_stage else None,
        next_stage_date=planned,
        progress_text=texts["progress_text"],
        evidence_ref=texts["evidence_ref"],
        note=texts["note"],
    )


def _number(row: _Row, cell: Any, target: Target) -> float | None:
    key = "cumulative_value"
    unit = target.unit_shown
    try:
        value = number_of(cell, unit)
    except OtherUnit as exc:
        row.add("number_other_unit", key, value=text_of(cell), written=exc.written, unit=unit)
        return None
    except ValueError:
        example = "6.5" if target.is_percent else "12"
        row.add("number_unreadable", key, value=text_of(cell), unit=unit or "无", example=example)
        return None
    if value is None:
        return None
    if target.is_milestone:
        row.add("number_on_milestone", key, value=f"{value:g}")
        return None
    low, high, range_zh, hint = RANGES.get(target.kind, RANGES["level"])
    if not low <= value <= high:
        row.add("number_out_of_range", key, value=f"{value:g}", low=low, high=high, kind=target.kind,
                range_zh=range_zh, hint=hint)  # fmt: skip
        return None
    if target.kind == "count" and is_whole_count_unit(target.unit_raw) and not float(value).is_integer():
        row.add("number_not_whole", key, value=f"{value:g}", unit=target.unit_raw)
        return None
    return value


def _state(row: _Row, cell: Any, key: str, catalog: Catalog) -> State | None:
    text = text_of(cell)
    if text is None:
        return None
    state = catalog.state_of(text)
    if state is None:
        labels = [s.label_zh for s in catalog.states.values()]
        what = "state" if key == "milestone_state" else "next stage"
        row.add("state_unknown", key, what=what, what_zh=L.BY_KEY[key].header, value=text,
                known=", ".join(catalog.states), known_zh="、".join(labels))  # fmt: skip
    return state


def _stages(
    row: _Row,
    raw: RawRow,
    target: Target,
    state: State | None,
    next_stage: State | None,
    planned: date | None,
    plan: Plan,
) -> None:
    """A milestone's state, and unless it is done its next planned stage: ahead of it, dated in the plan."""
    if target.is_milestone and state is None and text_of(raw.values["milestone_state"]) is None:
        row.add("milestone_without_state", "milestone_state", target=target.target_id)
    stage_given = text_of(raw.values["next_stage"]) is not None
    date_given = text_of(raw.values["next_stage_date"]) is not None
    if stage_given != date_given:
        missing, key = ("planned date", "next_stage_date") if stage_given else ("next stage", "next_stage")
        row.add("next_stage_half", key, missing=missing, missing_zh=L.BY_KEY[key].header)
    elif target.is_milestone and state is not None and not state.is_done and not stage_given:
        row.add("next_stage_missing", "next_stage", state=state.state, state_zh=state.label_zh)
    if state is not None and next_stage is not None and next_stage.stage_order <= state.stage_order:
        row.add("next_stage_not_ahead", "next_stage", next=next_stage.state, state=state.state,
                next_zh=next_stage.label_zh, state_zh=state.label_zh)  # fmt: skip
    start, end = date(plan.year, 1, 1), date(plan.year + 1, 12, 31)
    if planned is not None and not start <= planned <= end:
        row.add("date_outside_plan", "next_stage_date", value=planned, start=start, end=end)


def _texts(row: _Row, raw: RawRow, opts: ProgressReturnOptions) -> dict[str, str | None]:
    limits = {
        "progress_text": opts.progress_text_max,
        "evidence_ref": opts.evidence_max,
        "note": opts.note_max,
    }
    texts: dict[str, str | None] = {}
    for key, limit in limits.items():
        text = text_of(raw.values[key])
        if text is not None and len(text) > limit:
            row.add("too_long", key, what=key, what_zh=L.BY_KEY[key].header, length=len(text), limit=limit)
        texts[key] = text
    return texts
