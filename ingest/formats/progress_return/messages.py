"""Every check of a progress return, by code: what the log says, what the bureau reads, how it fixes it.

One table, so that each rule is written once in both languages and the reply and the log agree. Values
in braces are filled per finding.
"""

from __future__ import annotations

from typing import Any

from ingest.errors import Finding

RULES: dict[str, tuple[str, str, str]] = {
    # rule: (problem for the log, 问题 for the bureau, 如何修改)
    "not_a_template": (
        "not a planwatch progress-return template ({detail})",
        "文件不是本系统下发的进展填报表（{detail}）",
        "请使用规划办下发的本单位本月填报表填写，不要另建表格或复制内容到其他文件",
    ),
    "stamp_unknown": (
        "the template's stamp names {what} {value!r}, not in the catalog",
        "填报表的标识有误（{what}：{value}）",
        "请重新下载本单位本月的填报表",
    ),
    "month_not_folder": (
        "the template is for {stamped}, but the file was sent for {folder}",
        "本表是{stamped}的填报表，却报送在{folder}的目录中",
        "请使用{folder}的填报表，或报送到{stamped}的目录",
    ),
    "file_names_other_bureau": (
        "the file name names bureau {named}, the template is {bureau}'s",
        "文件名写的是{named_zh}，但表格属于{bureau_zh}",
        "请确认报送单位，使用本单位的填报表，文件名以本单位代码开头",
    ),
    "month_outside_plan": (
        "month {month} is outside plan {plan}'s year {year}",
        "报送月份{month}不在{plan_title}年度内",
        "请使用本年度计划的填报表",
    ),
    "header_changed": (
        "column {letter} is headed {found!r}, expected {expected!r}",
        "第{letter}列的标题被改动（现为“{found}”，应为“{expected}”）",
        "请不要增删或移动列，使用原表填写",
    ),
    "error_cell": (
        "an Excel error cell ({value})",
        "单元格为错误值（{value}）",
        "请填写数值，不要使用公式",
    ),
    "required": (
        "{what} is empty",
        "{what_zh}未填写",
        "请填写{what_zh}",
    ),
    "phone_format": (
        "phone {value!r} is not a phone number",
        "联系电话“{value}”格式不正确",
        "填写11位手机号或带区号的固定电话，如0574-86123456",
    ),
    "too_long": (
        "{what} has {length} characters, more than {limit}",
        "{what_zh}共{length}字，超过{limit}字的限制",
        "请精简到{limit}字以内",
    ),
    "date_unreadable": (
        "{what} {value!r} is not a date",
        "{what_zh}“{value}”不是日期",
        "请填写日期，如2024-05-08",
    ),
    "submitted_future": (
        "submission date {value} is after today ({today})",
        "填报日期{value}晚于今天（{today}）",
        "请填写实际填报日期",
    ),
    "submitted_before_month": (
        "submission date {value} is before the month reported ({month})",
        "填报日期{value}早于所报月份（{month}）",
        "请填写实际填报日期",
    ),
    "target_unknown": (
        "target {target} is not in the plan catalog",
        "目标编号{target}不存在",
        "请不要改动目标编号，使用原表填写",
    ),
    "target_other_bureau": (
        "target {target} belongs to {owner}, not to {bureau}",
        "目标{target}的责任单位是{owner_zh}，不是本单位",
        "请删除该行，本单位只填报本单位的目标",
    ),
    "target_other_plan": (
        "target {target} is of plan {target_plan}, the template is for {plan}",
        "目标{target}不属于本年度计划",
        "请使用本年度计划的填报表",
    ),
    "target_twice": (
        "target {target} appears twice (rows {first} and {again})",
        "目标{target}重复出现（第{first}行和第{again}行）",
        "请删除重复的行",
    ),
    "nothing_filled": (
        "no target is filled in",
        "没有填写任何目标的进展",
        "请填写本单位各项目标的累计完成值或里程碑状态和进展情况",
    ),
    "number_unreadable": (
        "{value!r} is not a number in {unit}",
        "“{value}”不是数字",
        "请按本行计量单位（{unit}）填写数字，不带单位和文字，如{example}",
    ),
    "number_other_unit": (
        "{value!r} is written in {written}, the row's unit is {unit}",
        "“{value}”的单位是{written}，本行计量单位是{unit}",
        "请换算为{unit}后只填写数字",
    ),
    "number_out_of_range": (
        "{value} is outside {low} to {high} for a {kind} target",
        "{value}超出合理范围（{range_zh}）",
        "请核对数值；{hint}",
    ),
    "number_not_whole": (
        "{value} {unit} is not a whole number",
        "{value}{unit}不是整数",
        "数量类目标请填写整数",
    ),
    "number_on_milestone": (
        "a milestone reports its state, not a number ({value})",
        "节点任务不填写累计完成值（现为{value}）",
        "请删除该数值，在“里程碑状态”中选择状态",
    ),
    "state_unknown": (
        "{what} {value!r} is not a milestone state ({known})",
        "{what_zh}“{value}”不在下拉列表中",
        "请从下拉列表选择：{known_zh}",
    ),
    "milestone_without_state": (
        "milestone {target} has no state",
        "节点任务{target}未选择里程碑状态",
        "请选择里程碑状态",
    ),
    "next_stage_missing": (
        "milestone at {state} has no next planned stage and date",
        "里程碑状态为“{state_zh}”（未完成），未填写计划节点及日期",
        "请填写下一个计划节点和计划完成日期",
    ),
    "next_stage_half": (
        "the next planned stage and its date come together ({missing} is empty)",
        "计划节点和计划节点日期须同时填写（缺{missing_zh}）",
        "请补填{missing_zh}",
    ),
    "next_stage_not_ahead": (
        "the next planned stage {next} is not after the current state {state}",
        "计划节点“{next_zh}”不在当前状态“{state_zh}”之后",
        "计划节点应为尚未达到的下一阶段",
    ),
    "date_outside_plan": (
        "planned date {value} is outside {start} to {end}",
        "计划节点日期{value}不在{start}至{end}之间",
        "请填写计划年度内（可至次年年底）的日期",
    ),
    "evidence_missing": (
        "state {state} needs evidence (佐证材料)",
        "状态为“{state_zh}”，未填写佐证材料",
        "请填写佐证材料（验收文件、文号或网址）",
    ),
    "cumulative_fell": (
        "the cumulative {value:g} is below {previous:g} reported for {previous_month} and there is no note",
        "累计完成值{value:g}低于{previous_month}已报的{previous:g}，且未填写说明",
        "累计数不应下降；如确有核减，请在“说明”栏写明原因",
    ),
    "milestone_backward": (
        "state {state} is behind {previous} reported for {previous_month} and there is no note",
        "里程碑状态“{state_zh}”比{previous_month}已报的“{previous_zh}”后退，且未填写说明",
        "状态只能向前推进；如确需回调，请在“说明”栏写明原因",
    ),
}


def finding(
    rule: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    header: str | None = None,
    **values: Any,
) -> Finding:
    """A finding of one rule at one place, its texts filled from the values."""
    problem, message_zh, fix_zh = RULES[rule]
    return Finding(
        rule=rule,
        problem=problem.format(**values),
        message_zh=message_zh.format(**values),
        fix_zh=fix_zh.format(**values),
        sheet=sheet,
        row=row,
        column=column,
        header=header,
    )
