"""The 填报说明 sheet of a template: what to fill, in which unit, by when, from which lists, what is checked,
and how to send it back. Government prose, full-width punctuation."""

from __future__ import annotations

from datetime import date

from ingest.formats.progress_return.catalog import Catalog
from ingest.formats.progress_return.model import ReturnBook


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def guide_lines(book: ReturnBook, catalog: Catalog) -> list[tuple[str, str]]:
    """(style, text) lines: style is title, heading or text.

    long: the sheet's prose as one list in reading order, easier to edit than split across functions."""
    bureau = catalog.bureaus.get(book.bureau_code, book.bureau_code)
    plan = catalog.plans[book.plan_id]
    opts = book.options
    next_month = book.month % 12 + 1
    lines = [
        ("title", f"{plan.title_zh}目标任务进展填报说明"),
        (
            "text",
            f"本表由{bureau}填报{book.year}年{book.month}月进展，共{len(book.rows)}项目标任务。请于"
            f"{cn_date(book.due)}（{next_month}月第{book.due_working_day}个工作日）前报送；逾期报送计入填报及时率。",
        ),
        ("heading", "一、填写内容"),
        ("text", "灰色单元格为计划内容和上次已接受的数据，已锁定，不需填写；白色单元格为填报内容。"),
        ("text", "1．表头：填写填报人、联系电话（手机或带区号的固定电话）和填报日期。"),
        (
            "text",
            "2．累计完成值：截至本月末的累计数，按“计量单位”列的单位填写数字，不带单位。增速、比率、覆盖率类目标"
            "填百分数（如6.5表示6.5％）；降幅类填同比变化，下降为负数（如下降5.2％填－5.2）。",
        ),
        (
            "text",
            "3．里程碑状态：节点任务必填，从下拉列表选择。状态只能向前推进；如确需回调，须在“说明”栏写明原因。",
        ),
        (
            "text",
            "4．计划节点及日期：节点任务未完成的，须填写下一个计划节点（下拉选择）和计划完成日期；"
            "未填写的，评估中显示为“暂不评估（未报计划节点）”。",
        ),
        ("text", f"5．进展情况：简要说明本月进展、存在问题和下步计划，不超过{opts.progress_text_max}字。"),
        (
            "text",
            f"6．佐证材料：文件名、网址或文号，不超过{opts.evidence_max}字；状态为已完成、已投用的必须填写。",
        ),
        ("text", f"7．说明：累计完成值下降、状态回调等需要说明的情况，不超过{opts.note_max}字。"),
        ("heading", "二、里程碑状态"),
    ]
    lines += [("text", f"{s.label_zh}：{s.description_zh}") for s in catalog.states.values()]
    lines += [
        ("heading", "三、校验规则（不符合的整表退回，并附问题清单）"),
        ("text", "文件须为本单位本月的填报表（不得改动表格结构、增删目标行或改填其他单位的目标）；"),
        ("text", "数字须按本行计量单位填写，数量、总量不为负数，比率在0至100之间；"),
        ("text", "累计完成值不得低于上月已报数、里程碑状态不得后退，确有调整的须填写说明；"),
        (
            "text",
            "已完成、已投用须有佐证材料；计划节点日期须在计划年度内且不早于计划年度；填报日期不得晚于报送当日；",
        ),
        ("text", "文字不超过规定字数，联系电话格式正确。"),
        ("heading", "四、报送方式"),
        ("text", opts.return_to + "。"),
    ]
    if book.drop_folder:
        lines.append(("text", f"报送目录：{book.drop_folder}"))
    lines += [
        ("text", "报送前可运行 planwatch returns check 文件名 自检；未通过的会列出需修改的单元格。"),
        ("heading", "五、审核"),
        (
            "text",
            "报送后为“待审核”，经规划办审核接受后数据方计入评估；被退回的，按退回理由修改后重新报送。"
            "已接受的月份即锁定，如需修改，须重新报送该月新版本，经再次审核后生效。",
        ),
    ]
    return lines
