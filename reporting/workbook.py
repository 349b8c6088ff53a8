"""The Excel workbook 目标任务完成情况表_YYYY-MM.xlsx, laid out as government offices lay out such tables.

A 汇总 sheet first (counts by status per section and per bureau, share on track and 填报及时率, the status
legend), then one sheet per section of the plan (一、经济运行 …), then 填报及时性 (each bureau's progress
return month by month) when the warehouse has returns. Written with openpyxl; figures stay numbers (the 超/欠 and
≥ signs are number formats), so the sheet can be re-computed or filtered in Excel.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reporting import summary, words
from reporting.queries import ProgressSnapshot
from reporting.sheet_style import (
    BODY_FONT,
    BORDER,
    CENTER,
    HEADER_FONT,
    LEFT,
    RIGHT,
    SMALL_FONT,
    TOTAL_FILL,
    StatusStyles,
    set_print_setup,
    write_header,
    write_note_line,
    write_title,
)
from reporting.workbook_returns import timeliness_sheet

log = logging.getLogger(__name__)

PERCENT = "0.0%"
DECIMAL = "#,##0.00"
INTEGER = "#,##0"
GROWTH = "0.0"
# the gap's words are number formats, so the cell stays a number: against 序时 for completion rates,
# against the target for growth, held-rate and decrease targets (reporting/words.py)
GAP = '"超"0.0;"欠"0.0;0.0'
GAP_TO_TARGET = '"高于目标"0.0;"低于目标"0.0;0.0'
GAP_TO_DECREASE = '"好于目标"0.0;"差于目标"0.0;0.0'
COMPARATOR_SIGNS = words.COMPARATOR_SIGNS


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    key: str


def section_columns(month_no: int) -> list[Column]:
    done = "1月完成值" if month_no == 1 else f"1-{month_no}月完成值"
    return [
        Column("序号", 6, "seq"),
        Column("指标", 30, "indicator_name"),
        Column("单位", 8, "unit_raw"),
        Column("目标值", 12, "target_value"),
        Column(done, 13, "actual_value"),
        Column("完成率", 9, "completion_rate"),
        Column("序时进度", 9, "time_benchmark"),
        Column("超/欠序时或目标(百分点)", 13, "gap_pp"),
        Column("同比增长(%)", 10, "ytd_growth_pct"),
        Column("责任单位", 14, "bureau_name"),
        Column("状态", 10, "status"),
        Column("需加快(剩余所需)", 22, "required"),
        Column("数据来源", 10, "figure_source_zh"),
        Column("进展情况(部门填报)", 30, "return_progress_text"),
        Column("备注", 42, "note"),
        Column("目标编号", 11, "target_id"),
    ]


HEADER_ROW = 3  # title, section line, header


def workbook_name(snapshot: ProgressSnapshot) -> str:
    return f"目标任务完成情况表_{snapshot.plan_id}_{snapshot.as_of:%Y-%m}.xlsx"


def as_of_words(snapshot: ProgressSnapshot) -> str:
    return f"{snapshot.as_of.year}年{snapshot.as_of.month}月"


def sheet_title(name: str) -> str:
    """Excel forbids []:*?/\\ in sheet names and allows 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "", name)[:31]


def _value_format(row: dict[str, Any]) -> str:
    values = [v for v in (row.get("target_value"), row.get("actual_value")) if v is not None]
    return INTEGER if values and all(float(v).is_integer() for v in values) else DECIMAL


def _note(row: dict[str, Any], month_no: int, snapshot: ProgressSnapshot) -> str:
    parts = [row.get("status_reason") or ""]
    data_month = row.get("data_month_no")
    if data_month and data_month != month_no:
        parts.append(f"数据期1-{data_month}月")
    if words.source_words(row):
        parts.append(f"来源:{words.source_words(row)}")
    elif row.get("source_id"):
        released = f",{row['release_date']:%Y-%m-%d}发布" if row.get("release_date") else ""
        parts.append(f"来源:{snapshot.source_title(row['source_id'])}{released}")
    return ";".join(p for p in parts if p)


def _gap_cell(cell: Any, row: dict[str, Any]) -> None:
    """No pace signal for targets that cannot be judged yet; otherwise the gap named by what it measures."""
    if row.get("gap_pp") is None or not words.judged(row):
        cell.value = "—"
    elif words.against_benchmark(row):
        cell.number_format = GAP
    else:
        cell.number_format = GAP_TO_DECREASE if row.get("kind") == "decrease" else GAP_TO_TARGET


def _fill_cell(cell: Any, key: str, value: Any, row: dict[str, Any]) -> None:
    """One cell of a target's row: the value, kept a number where it is one, with its format and alignment."""
    cell.value = value
    if key == "target_value":
        sign = COMPARATOR_SIGNS.get(row.get("comparator") or "", "")
        cell.number_format = f'"{sign}"{_value_format(row)}' if sign else _value_format(row)
        if row.get("kind") == "decrease":
            cell.number_format = '"同比下降"'  # the value (0) stays for formulas; the words are the target
        if value is None:
            cell.value = "—"
    elif key == "actual_value":
        cell.number_format = _value_format(row)
    elif key in ("completion_rate", "time_benchmark"):
        cell.number_format = PERCENT
    elif key == "gap_pp":
        _gap_cell(cell, row)
    elif key == "ytd_growth_pct":
        cell.number_format = GROWTH
    if key in ("indicator_name", "note", "bureau_name", "required", "return_progress_text"):
        cell.alignment = LEFT
    elif key in ("seq", "unit_raw", "target_id"):
        cell.alignment = CENTER
    else:
        cell.alignment = RIGHT if value is not None else CENTER
    if key in ("note", "target_id", "return_progress_text"):
        cell.font = SMALL_FONT


def _section_sheet(
    wb: Workbook,
    snapshot: ProgressSnapshot,
    no: int,
    name: str,
    rows: list[dict[str, Any]],
    styles: StatusStyles,
) -> None:
    month_no = snapshot.as_of.month
    columns = section_columns(month_no)
    ws = wb.create_sheet(sheet_title(name))
    write_title(ws, f"{snapshot.title}目标任务完成情况表(截至{as_of_words(snapshot)})", len(columns))
    heading = snapshot.section_headings.get(no, "")
    line = f"{name}" + (f":{heading}" if heading else "")
    write_note_line(
        ws, 2, f"{line}    序时进度 {month_no}/12 = {month_no / 12:.1%}    共{len(rows)}项", len(columns)
    )
    write_header(ws, HEADER_ROW, [c.header for c in columns])
    for i, row in enumerate(rows, start=1):
        r = HEADER_ROW + i
        values = dict(row, seq=i, note=_note(row, month_no, snapshot), required=words.required_words(row))
        for col, column in enumerate(columns, start=1):
            cell = ws.cell(r, col)
            cell.border = BORDER
            cell.font = BODY_FONT
            if column.key == "status":
                styles.apply(cell, row["status"], row.get("status_label_zh"), row.get("status_colour"))
                continue
            _fill_cell(cell, column.key, values.get(column.key), row)
    for col, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width
    last = HEADER_ROW + len(rows)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)  # header rows and 序号/指标 stay in view
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{max(last, HEADER_ROW + 1)}"
    set_print_setup(ws, f"1:{HEADER_ROW}")


def _summary_table(
    ws: Worksheet,
    start: int,
    caption: str,
    label: str,
    groups: list[summary.Group],
    total: summary.Group | None,
    snapshot: ProgressSnapshot,
    styles: StatusStyles,
    returns: bool = False,
) -> int:
    """A table of groups by status and share on track; for bureaus (returns) also 填报及时率, after it."""
    statuses = [r["status"] for r in snapshot.status_rules]
    headers = [
        "序号",
        label,
        "目标数",
        *[styles.labels[s] for s in statuses],
        "可评估",
        "达序时",
        "达序时比例",
        *(["应报月数", "按时月数", "填报及时率", "逾期、未报"] if returns else []),
    ]
    cap = ws.cell(start, 1, caption)
    cap.font = HEADER_FONT
    ws.row_dimensions[start].height = 24
    fills = {4 + i: styles.fills[s] for i, s in enumerate(statuses)}
    write_header(ws, start + 1, headers, fills)
    rows = [*groups, total] if total else list(groups)
    r = start + 1
    for i, group in enumerate(rows, start=1):
        r += 1
        is_total = group is total
        values: list[Any] = [
            "" if is_total else i,
            group.name,
            group.total,
            *[group.counts.get(s, 0) for s in statuses],
            group.judged,
            group.on_track,
            group.share_on_track,
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col, value)
            cell.border = BORDER
            cell.font = HEADER_FONT if is_total else BODY_FONT
            cell.alignment = LEFT if col == 2 else CENTER
            if is_total:
                cell.fill = TOTAL_FILL
        share = ws.cell(r, len(values))
        share.number_format = PERCENT
        if group.share_on_track is None:
            share.value = "—"
        if returns:
            _return_cells(ws, r, len(values) + 1, group)
    return r


def _return_cells(ws: Worksheet, r: int, first: int, group: summary.Group) -> None:
    """A bureau's progress returns: due, on time, 填报及时率 (a number, or — with nothing due), exceptions."""
    rate = group.timeliness_rate
    values: list[Any] = [group.returns_due, group.returns_on_time, "—" if rate is None else rate]
    for col, value in enumerate([*values, group.return_exceptions], start=first):
        cell = ws.cell(r, col, value)
        cell.border = BORDER
        cell.font = BODY_FONT
        cell.alignment = LEFT if col == first + 3 else CENTER
    if rate is not None:
        ws.cell(r, first + 2).number_format = PERCENT


def _changes_table(
    ws: Worksheet, start: int, snapshot: ProgressSnapshot, styles: StatusStyles, width: int
) -> int:
    """三、上月以来状态变化: fct_status_changes for the month, worst first."""
    ws.cell(start, 1, "三、上月以来状态变化").font = HEADER_FONT
    ws.row_dimensions[start].height = 24
    if not snapshot.changes:
        write_note_line(ws, start + 1, "与上月相比没有目标的状态发生变化。", width)
        return start + 1
    write_header(ws, start + 1, ["序号", "指标", "责任单位", "上月状态", "本月状态", "变化", "目标编号"])
    r = start + 1
    for i, change in enumerate(snapshot.changes, start=1):
        r += 1
        values = [
            i,
            change["indicator_name_zh"],
            change["bureau_name"],
            None,
            None,
            change["change_direction_zh"],
        ]
        for col, value in enumerate([*values, change["target_id"]], start=1):
            cell = ws.cell(r, col, value)
            cell.border = BORDER
            cell.font = BODY_FONT
            cell.alignment = LEFT if col in (2, 3) else CENTER
        styles.apply(ws.cell(r, 4), change["previous_status"], change["previous_status_label_zh"], None)
        styles.apply(ws.cell(r, 5), change["status"], change["status_label_zh"], None)
    return r


def _summary_sheet(wb: Workbook, snapshot: ProgressSnapshot, styles: StatusStyles) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    statuses = [r["status"] for r in snapshot.status_rules]
    width = 3 + len(statuses) + 3
    everything = summary.overall(snapshot)
    write_title(ws, f"{snapshot.title}目标任务完成情况汇总(截至{as_of_words(snapshot)})", width)
    share = f"{everything.share_on_track:.1%}" if everything.share_on_track is not None else "—"
    write_note_line(
        ws,
        2,
        f"共{everything.total}项目标,当前可评估{everything.judged}项,其中达到序时进度{everything.on_track}项,"
        f"占{share};序时进度{snapshot.as_of.month}/12 = {snapshot.as_of.month / 12:.1%}。"
        "达序时比例 = (已完成 + 序时推进) / 可评估目标数。",
        width,
        lines=2,
    )
    r = _summary_table(
        ws, 4, "一、分领域完成情况", "领域", summary.by_section(snapshot), everything, snapshot, styles
    )
    r = _summary_table(
        ws,
        r + 2,
        "二、分责任单位完成情况",
        "责任单位",
        summary.by_bureau(snapshot),
        None,
        snapshot,
        styles,
        returns=bool(snapshot.timeliness),
    )
    r = _changes_table(ws, r + 2, snapshot, styles, width)
    r += 2
    ws.cell(r, 1, "四、状态说明").font = HEADER_FONT
    for rule in snapshot.status_rules:
        r += 1
        styles.apply(ws.cell(r, 2), rule["status"], rule["label_zh"], rule.get("colour_hex"))
        ws.cell(r, 2).border = BORDER
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=width)
        desc = ws.cell(r, 3, rule.get("description_zh") or "")
        desc.font = BODY_FONT
        desc.alignment = LEFT
    widths = [6, 26, 8, *[10] * len(statuses), 8, 8, 11, 9, 9, 11, 30]
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = "A3"
    set_print_setup(ws, "1:2")


def write_workbook(snapshot: ProgressSnapshot, out: Path) -> Path:
    """Write the workbook to out (a temporary file first, then renamed, so readers never see half a file)."""
    styles = StatusStyles(snapshot.status_rules)
    wb = Workbook()
    _summary_sheet(wb, snapshot, styles)
    names = summary.section_names(snapshot)
    for no, name in sorted(names.items()):
        rows = [r for r in snapshot.rows if int(r["section_no"]) == no]
        _section_sheet(wb, snapshot, no, name, rows, styles)
    if snapshot.timeliness:
        timeliness_sheet(wb, snapshot, as_of_words(snapshot))
    wb.properties.title = f"{snapshot.title}目标任务完成情况表(截至{as_of_words(snapshot)})"
    wb.properties.creator = "planwatch"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    wb.save(tmp)
    tmp.replace(out)
    log.info("wrote %s (%d targets, %d section sheets)", out, len(snapshot.rows), len(names))
    return out
