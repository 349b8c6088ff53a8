"""Where things sit in a progress-return workbook: one definition the template writer and the reader share.

sheet 填报表     row 1 title; rows 2-3 the header block (填报单位, 报送月份, 报送截止; 填报人, 联系电话,
                填报日期); row 4 a note; row 5 the column headers; from row 6 one row per target
sheet 填报说明   what to fill, units, the due date, the vocabularies, the checks, how to return it
sheet 选项       (hidden) the milestone states the drop-down lists offer
sheet _planwatch (very hidden) the stamp: plan, bureau and month the file was issued for; also as the
                defined names pw_plan, pw_bureau, pw_month
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

SHEET = "填报表"
GUIDE = "填报说明"
LISTS = "选项"
STAMP = "_planwatch"
STAMP_FORMAT = "planwatch.progress_return/1"

TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 5, 6
# the header block: label cell -> value cell
BUREAU_CELL, MONTH_CELL, DUE_CELL = "B2", "E2", "H2"
REPORTER_CELL, PHONE_CELL, SUBMITTED_CELL = "B3", "E3", "H3"
HEADER_LABELS = {
    "A2": "填报单位：",
    "D2": "报送月份：",
    "G2": "报送截止：",
    "A3": "填报人：",
    "D3": "联系电话：",
    "G3": "填报日期：",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    is_input: bool


COLUMNS = (
    Column("plan_id", "计划编号", 14, False),
    Column("target_id", "目标编号", 12, False),
    Column("quote", "目标任务（计划原文）", 40, False),
    Column("kind", "目标类型", 13, False),
    Column("unit", "计量单位", 9, False),
    Column("target", "年度目标", 13, False),
    Column("due", "完成时限", 12, False),
    Column("last_month", "上次已接受（月份）", 12, False),
    Column("last_value", "上次已接受累计值", 12, False),
    Column("last_state", "上次已接受状态", 12, False),
    Column("cumulative_value", "累计完成值", 12, True),
    Column("milestone_state", "里程碑状态", 12, True),
    Column("next_stage", "计划节点", 12, True),
    Column("next_stage_date", "计划节点日期", 14, True),
    Column("progress_text", "进展情况", 44, True),
    Column("evidence_ref", "佐证材料", 26, True),
    Column("note", "说明", 26, True),
)
BY_KEY = {c.key: c for c in COLUMNS}
INPUTS = tuple(c.key for c in COLUMNS if c.is_input)


def letter(key: str) -> str:
    """The column letter of a column key (cumulative_value -> K)."""
    from openpyxl.utils import get_column_letter  # openpyxl (0.13 s) only where a column is named

    return get_column_letter(COLUMNS.index(BY_KEY[key]) + 1)


def normal(text: object) -> str:
    """A header or label as compared: NFKC (full-width brackets and colons half-width), no spaces."""
    return "".join(unicodedata.normalize("NFKC", "" if text is None else str(text)).split())


def cell_index(ref: str) -> tuple[int, int]:
    """'H3' -> (row 2, column 7), 0-based, as the reader's rows are."""
    col = 0
    digits = ""
    for ch in ref:
        if ch.isalpha():
            col = col * 26 + ord(ch.upper()) - 64
        else:
            digits += ch
    return int(digits) - 1, col - 1
