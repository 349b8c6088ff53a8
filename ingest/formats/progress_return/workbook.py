"""A progress-return template written with openpyxl: locked plan cells, input cells with data validation,
drop-down lists of milestone states, a stamp of plan, bureau and month, and the 填报说明 sheet.

Sheet protection has no password: it keeps the plan's cells and the layout from being changed by accident,
not from being read. The same writer fills a template for the sample data (Filled values per row).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ingest.formats.excel_layout import deterministic_zip
from ingest.formats.progress_return import layout as L
from ingest.formats.progress_return.catalog import KIND_ZH, Catalog, Target
from ingest.formats.progress_return.guide import cn_date, guide_lines
from ingest.formats.progress_return.model import REPORTER_MAX, ReturnBook, TemplateRow

LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
OPEN = Protection(locked=False)


def write_book(book: ReturnBook, catalog: Catalog) -> bytes:
    """The template (or a filled return) as .xlsx bytes, the same bytes for the same book."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = L.SHEET
    targets = [catalog.targets[r.target_id] for r in book.rows]
    _header_block(ws, book, catalog)
    for i, (row, target) in enumerate(zip(book.rows, targets, strict=True)):
        _target_row(ws, L.FIRST_ROW + i, row, target, catalog)
    _validations(ws, book, targets, catalog)
    ws.freeze_panes = f"C{L.FIRST_ROW}"
    ws.protection.sheet = True  # no password: against accidental edits, not against reading
    _guide(wb.create_sheet(L.GUIDE), book, catalog)
    _lists(wb.create_sheet(L.LISTS), catalog)
    _stamp(wb, book)
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue())


def _header_block(ws: Worksheet, book: ReturnBook, catalog: Catalog) -> None:
    width = len(L.COLUMNS)
    plan = catalog.plans[book.plan_id]
    ws.cell(L.TITLE_ROW, 1, f"{plan.title_zh}目标任务进展填报表（{book.year}年{book.month}月）")
    ws.cell(L.TITLE_ROW, 1).font = Font(bold=True, size=14)
    ws.cell(L.TITLE_ROW, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for ref, label in L.HEADER_LABELS.items():
        ws[ref] = label
        ws[ref].font = Font(bold=True)
        ws[ref].alignment = Alignment(horizontal="right")
    next_month = book.month % 12 + 1
    ws[L.BUREAU_CELL] = catalog.bureaus.get(book.bureau_code, book.bureau_code)
    ws[L.MONTH_CELL] = f"{book.year}年{book.month}月"
    ws[L.DUE_CELL] = f"{cn_date(book.due)}（{next_month}月第{book.due_working_day}个工作日）"
    for ref in (L.BUREAU_CELL, L.MONTH_CELL, L.DUE_CELL):
        ws[ref].fill = LOCKED_FILL
    for ref, value in ((L.REPORTER_CELL, book.reporter), (L.PHONE_CELL, book.phone)):
        ws[ref] = value
        ws[ref].protection = OPEN
        ws[ref].border = BOX
    ws[L.SUBMITTED_CELL] = book.submitted_on
    ws[L.SUBMITTED_CELL].number_format = "yyyy-mm-dd"
    ws[L.SUBMITTED_CELL].protection = OPEN
    ws[L.SUBMITTED_CELL].border = BOX
    ws.cell(4, 1, "灰色为计划内容和上次已接受的数据（锁定）；白色单元格填写。填写要求见“填报说明”表。")
    ws.cell(4, 1).font = Font(italic=True, color="595959")
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=width)
    for i, column in enumerate(L.COLUMNS, start=1):
        cell = ws.cell(L.HEADER_ROW, i, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL if column.is_input else LOCKED_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        ws.column_dimensions[cell.column_letter].width = column.width
    ws.row_dimensions[L.HEADER_ROW].height = 32


def _target_row(ws: Worksheet, at: int, row: TemplateRow, target: Target, catalog: Catalog) -> None:
    state = catalog.state_of(row.last_state) if row.last_state else None
    values: dict[str, Any] = {
        "plan_id": target.plan_id,
        "target_id": target.target_id,
        "quote": target.quote,
        "kind": KIND_ZH.get(target.kind, target.kind),
        "unit": "" if target.is_milestone else target.unit_shown,
        "target": target.target_text,
        "due": target.due_date,
        "last_month": row.last_month,
        "last_value": row.last_value,
        "last_state": state.label_zh if state else row.last_state,
        **_filled(row, catalog),
    }
    for i, column in enumerate(L.COLUMNS, start=1):
        cell = ws.cell(at, i, values.get(column.key))
        cell.border = BOX
        cell.alignment = Alignment(vertical="top", wrap_text=column.width > 20)
        open_cell = column.is_input and not (target.is_milestone and column.key == "cumulative_value")
        if open_cell:
            cell.protection = OPEN
        else:
            cell.fill = LOCKED_FILL
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"


def _filled(row: TemplateRow, catalog: Catalog) -> dict[str, Any]:
    f = row.filled
    values: dict[str, Any] = {
        "cumulative_value": f.cumulative_value,
        "next_stage_date": f.next_stage_date,
        "progress_text": f.progress_text,
        "evidence_ref": f.evidence_ref,
        "note": f.note,
    }
    for key, text in (("milestone_state", f.milestone_state), ("next_stage", f.next_stage)):
        state = catalog.state_of(text) if text else None
        values[key] = state.label_zh if state else text  # a bureau picks the label from the list
    return values


def _validation(ws: Worksheet, kind: str, prompt: str, error: str, **kw: Any) -> DataValidation:
    dv = DataValidation(type=kind, allow_blank=True, showErrorMessage=True, showInputMessage=True, **kw)
    dv.prompt, dv.error, dv.errorTitle = prompt, error, "填写有误"
    ws.add_data_validation(dv)
    return dv


def _validations(ws: Worksheet, book: ReturnBook, targets: list[Target], catalog: Catalog) -> None:
    """Excel's own checks on the input cells (ingest checks the same and more when the file comes back)."""
    last = L.FIRST_ROW + len(targets) - 1
    opts = book.options
    states = f"'{L.LISTS}'!$A$2:$A${1 + len(catalog.states)}"
    plan_year = catalog.plans[book.plan_id].year
    amounts = _validation(
        ws,
        "decimal",
        "填数字（按本行计量单位）",
        "须为不小于0的数字",
        operator="greaterThanOrEqual",
        formula1="0",
    )
    rates = _validation(
        ws,
        "decimal",
        "填百分数，如6.5",
        "须为0至100之间的百分数",
        operator="between",
        formula1="0",
        formula2="100",
    )
    changes = _validation(
        ws,
        "decimal",
        "填同比变化的百分数，下降为负数",
        "须为不低于-100的百分数",
        operator="greaterThanOrEqual",
        formula1="-100",
    )
    for i, target in enumerate(targets):
        at = f"{L.letter('cumulative_value')}{L.FIRST_ROW + i}"
        if target.kind in ("rate_held", "coverage"):
            rates.add(at)
        elif target.kind in ("growth", "decrease"):
            changes.add(at)
        elif not target.is_milestone:
            amounts.add(at)
    rows = f"{L.FIRST_ROW}:{last}"  # a range per column below
    _validation(ws, "list", "从列表选择", "请从下拉列表选择里程碑状态", formula1=states).add(
        _col("milestone_state", rows)
    )
    _validation(ws, "list", "下一个计划节点", "请从下拉列表选择计划节点", formula1=states).add(
        _col("next_stage", rows)
    )
    _validation(ws, "date", "计划完成日期，如2024-11-30", f"日期须在{plan_year}年1月1日至{plan_year + 1}年12月31日之间",
                operator="between", formula1=f"DATE({plan_year},1,1)", formula2=f"DATE({plan_year + 1},12,31)").add(_col("next_stage_date", rows))  # fmt: skip
    for key, limit in (("progress_text", opts.progress_text_max), ("evidence_ref", opts.evidence_max), ("note", opts.note_max)):  # fmt: skip
        _validation(ws, "textLength", f"不超过{limit}字", f"不超过{limit}字", operator="lessThanOrEqual",
                    formula1=str(limit)).add(_col(key, rows))  # fmt: skip
    _validation(ws, "textLength", "填报人姓名", f"不超过{REPORTER_MAX}字", operator="between", formula1="1",
                formula2=str(REPORTER_MAX)).add(L.REPORTER_CELL)  # fmt: skip
    _validation(ws, "textLength", "手机或带区号的固定电话", "电话号码为7至20位", operator="between", formula1="7",
                formula2="20").add(L.PHONE_CELL)  # fmt: skip
    _validation(ws, "date", "报送日期，如2024-05-08", "须为日期", operator="greaterThan",
                formula1=f"DATE({book.year},{book.month},1)").add(L.SUBMITTED_CELL)  # fmt: skip


def _col(key: str, rows: str) -> str:
    first, last = rows.split(":")
    return f"{L.letter(key)}{first}:{L.letter(key)}{last}"


def _guide(ws: Worksheet, book: ReturnBook, catalog: Catalog) -> None:
    ws.column_dimensions["A"].width = 110
    for i, (style, text) in enumerate(guide_lines(book, catalog), start=1):
        cell = ws.cell(i, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = Font(bold=True, size=14)
        elif style == "heading":
            cell.font = Font(bold=True)
    ws.protection.sheet = True


def _lists(ws: Worksheet, catalog: Catalog) -> None:
    ws.append(["里程碑状态", "代码", "说明"])
    for s in catalog.states.values():
        ws.append([s.label_zh, s.state, s.description_zh])
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _stamp(wb: Workbook, book: ReturnBook) -> None:
    ws = wb.create_sheet(L.STAMP)
    rows = [
        ("format", L.STAMP_FORMAT),
        ("plan_id", book.plan_id),
        ("bureau_code", book.bureau_code),
        ("month", f"{book.year:04d}-{book.month:02d}"),
    ]
    for row in rows:
        ws.append(list(row))
    for name, row_no in (("pw_plan", 2), ("pw_bureau", 3), ("pw_month", 4)):
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{L.STAMP}'!$B${row_no}")
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True
