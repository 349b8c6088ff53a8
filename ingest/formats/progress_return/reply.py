"""The reply to a bureau whose return was rejected: a short Chinese text, and a copy of its own workbook with
the faulty cells marked (red, with a comment saying what to change) and a 问题清单 sheet listing every
problem. Written beside the quarantined file (ingest/rejection.py) and printed by `planwatch returns check`.

Runs in the parse worker (it opens the sender's file with openpyxl); a file that openpyxl cannot open
still gets the text.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from ingest.errors import Finding
from ingest.formats.progress_return.messages import finding

MARK_COLOUR = "FFC7CE"  # a faulty cell's fill
ISSUES = "问题清单"
OFFICE = "区发展和改革局（规划办）"


def _place(f: Finding) -> str:
    parts = []
    if f.sheet:
        parts.append(f.sheet)
    if f.row is not None:
        parts.append(f"第{f.row}行")
    if f.column:
        parts.append(f"{f.column}列" + (f"（{f.header}）" if f.header else ""))
    return " ".join(parts) or "整个文件"


def reply_text(file_name: str, findings: tuple[Finding, ...], extra: dict[str, str]) -> str:
    """The short text for the bureau: what was rejected, each problem and how to fix it, what to do next."""
    bureau = extra.get("bureau_zh", "填报单位")
    month = extra.get("month_zh", "")
    marked = marked_name(file_name)
    lines = [
        f"{bureau}：",
        f"贵单位报送的{month}目标任务进展填报表（{file_name}）未通过校验，本次未予接收。"
        f"请按以下{len(findings)}处问题修改后重新报送：",
    ]
    for i, f in enumerate(findings, start=1):
        lines.append(f"{i}．{_place(f)}：{f.message_zh}。{f.fix_zh}。")
    lines += [
        f"附件“{marked}”中已将有问题的单元格标红并加批注，可直接在该文件上修改后报送。"
        "报送前可运行 planwatch returns check 文件名 自检。",
        OFFICE,
    ]
    return "\n".join(lines) + "\n"


def marked_name(file_name: str) -> str:
    return f"{PurePosixPath(file_name).stem}_问题标注.xlsx"


def marked_workbook(content: bytes, findings: tuple[Finding, ...]) -> bytes | None:
    """The sender's workbook with each faulty cell marked and a 问题清单 sheet first; None if unreadable."""
    # openpyxl (0.13 s to import) only when a reply is written, not in every process that imports ingest
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    try:
        wb = load_workbook(io.BytesIO(content))
    except Exception:  # openpyxl's own errors: the text reply still goes
        return None
    for f in findings:
        if f.sheet in wb.sheetnames and f.row is not None and f.column:
            cell = wb[f.sheet][f"{f.column}{f.row}"]
            cell.fill = PatternFill("solid", fgColor=MARK_COLOUR)
            cell.comment = Comment(f"{f.message_zh}。{f.fix_zh}。", "规划办")
    ws = wb.create_sheet(ISSUES, 0)
    ws.append(["序号", "位置", "问题", "如何修改"])
    for i, f in enumerate(findings, start=1):
        ws.append([i, _place(f), f.message_zh, f.fix_zh])
    for col, width in zip("ABCD", (6, 36, 60, 60), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def reply(
    content: bytes, file_name: str, findings: tuple[Finding, ...], extra: dict[str, str]
) -> dict[str, bytes]:
    """Files for the bureau: 回复.txt and, when its workbook opens, the marked copy."""
    if not findings:  # rejected before any check could place a problem (unreadable, too large, a crash)
        findings = (finding("not_a_template", detail="文件无法读取或超出大小限制"),)
    files = {"回复.txt": reply_text(file_name, findings, extra).encode("utf-8")}
    marked = marked_workbook(content, findings) if findings else None
    if marked is not None:
        files[marked_name(file_name)] = marked
    return files
