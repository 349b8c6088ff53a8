"""The workbook's 填报及时性 sheet: each responsible bureau's progress return (进展填报) month by month, on
time, late (with the working days) or missing, and its 填报及时率, as fct_return_timeliness and
fct_bureau_summary computed them. Bureaus in the bureau summary's order."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from reporting import summary
from reporting.queries import ProgressSnapshot
from reporting.sheet_style import (
    BODY_FONT,
    BORDER,
    CENTER,
    LEFT,
    set_print_setup,
    write_header,
    write_note_line,
    write_title,
)

SHEET = "填报及时性"
HEADER_ROW = 3
# words for late and missing returns stand out in ink only (the sheet prints in black and white too)
INK = {"late": "9A6700", "missing": "CF222E", "not_due": "57606A"}


def timeliness_sheet(wb: Workbook, snapshot: ProgressSnapshot, as_of_words: str) -> None:
    rows = summary.timeliness_grid(snapshot)
    months = sorted({m for row in rows for m, _, _ in row.months})
    width = 2 + len(months) + 1
    ws = wb.create_sheet(SHEET)
    write_title(ws, f"{snapshot.title}进展填报及时性(截至{as_of_words})", width)
    write_note_line(
        ws,
        2,
        "在截止工作日(次月第N个工作日)前报送为按时;逾期注明逾期工作日数;填报及时率 = 按时月数 / 应报月数"
        "(未到截止日的月份不计)。",
        width,
    )
    write_header(ws, HEADER_ROW, ["序号", "责任单位", *[f"{m}月" for m in months], "填报及时率"])
    for i, row in enumerate(rows, start=1):
        r = HEADER_ROW + i
        by_month = {m: (code, words) for m, code, words in row.months}
        values = [i, row.bureau, *[by_month.get(m, ("", ""))[1] for m in months], row.rate]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col, "—" if value is None else value)
            cell.border = BORDER
            cell.font = BODY_FONT
            cell.alignment = LEFT if col == 2 else CENTER
        for col, m in enumerate(months, start=3):
            code = by_month.get(m, ("", ""))[0]
            if code in INK:
                ws.cell(r, col).font = Font(name="宋体", size=11, bold=code != "not_due", color=INK[code])
        if row.rate is not None:
            ws.cell(r, width).number_format = "0.0%"
    for col, w in enumerate([6, 24, *[8] * len(months), 11], start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    set_print_setup(ws, f"1:{HEADER_ROW}")
