"""The look shared by every sheet of the workbook: fonts, fills, borders, the title and note rows, a header
row, A4 landscape print set-up, and the status fills and fonts from configuration (config.status_rules)."""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from reporting.colours import rgb as _rgb
from reporting.colours import text_colour_on

TITLE_FONT = Font(name="黑体", size=16, bold=True)
NOTE_FONT = Font(name="宋体", size=10, color="57606A")
HEADER_FONT = Font(name="黑体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=11)
SMALL_FONT = Font(name="宋体", size=9, color="57606A")
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TOTAL_FILL = PatternFill("solid", fgColor="F3F5F8")
THIN = Side(style="thin", color="8C959F")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")


def write_title(ws: Worksheet, text: str, width: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    cell = ws.cell(1, 1, text)
    cell.font = TITLE_FONT
    cell.alignment = CENTER
    ws.row_dimensions[1].height = 30


def write_note_line(ws: Worksheet, row: int, text: str, width: int, lines: int = 1) -> None:
    # Excel does not grow a merged row to fit wrapped text, so the caller says how many lines it needs
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = ws.cell(row, 1, text)
    cell.font = NOTE_FONT
    cell.alignment = LEFT
    ws.row_dimensions[row].height = 6 + 14 * lines


def write_header(
    ws: Worksheet, row: int, headers: list[str], fills: dict[int, PatternFill] | None = None
) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row, col, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = CENTER
        cell.border = BORDER
        if fills and col in fills:
            cell.fill = fills[col]
            cell.font = Font(
                name="黑体", size=11, bold=True, color=text_colour_on(fills[col].fgColor.rgb[-6:])
            )
    ws.row_dimensions[row].height = 32


def set_print_setup(ws: Worksheet, title_rows: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页,共 &N 页"


class StatusStyles:
    """Fill and font per status, from config.status_rules (colour_hex), so colours stay configuration."""

    def __init__(self, rules: list[dict[str, Any]]) -> None:
        self.labels = {r["status"]: r["label_zh"] for r in rules}
        self.fills: dict[str, PatternFill] = {}
        self.fonts: dict[str, Font] = {}
        for rule in rules:
            rgb = _rgb(rule.get("colour_hex"))
            self.fills[rule["status"]] = PatternFill("solid", fgColor=rgb)
            self.fonts[rule["status"]] = Font(name="黑体", size=11, bold=True, color=text_colour_on(rgb))

    def apply(self, cell: Any, status: str, fallback_label: str | None, fallback_colour: str | None) -> None:
        cell.value = self.labels.get(status) or fallback_label or status
        fill = self.fills.get(status) or PatternFill("solid", fgColor=_rgb(fallback_colour))
        cell.fill = fill
        cell.font = self.fonts.get(status) or Font(
            name="黑体", size=11, bold=True, color=text_colour_on(fill.fgColor.rgb[-6:])
        )
        cell.alignment = CENTER
