"""The Excel 目标任务完成情况表 read back with openpyxl and compared with the mart it came from."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from tests.reporting.conftest import AS_OF, PLAN

HEADER_ROW = 3
NOT_JUDGED = ("not_yet_assessable", "no_data")
SECTION_HEADERS = [
    "序号",
    "指标",
    "单位",
    "目标值",
    "1-9月完成值",
    "完成率",
    "序时进度",
    "超/欠序时或目标(百分点)",
    "同比增长(%)",
    "责任单位",
    "状态",
    "需加快(剩余所需)",
    "数据来源",
    "进展情况(部门填报)",
]
COLUMN = {name: i for i, name in enumerate([*SECTION_HEADERS, "备注", "目标编号"])}
NUMERIC = {
    "目标值": "target_value",
    "1-9月完成值": "actual_value",
    "完成率": "completion_rate",
    "序时进度": "time_benchmark",
    "超/欠序时或目标(百分点)": "gap_pp",
    "同比增长(%)": "ytd_growth_pct",
}


@pytest.fixture(scope="module")
def workbook(generated: dict[str, Any]) -> Workbook:
    path = Path(generated["xlsx"])
    assert path.name == "目标任务完成情况表_district_2024_2024-09.xlsx"
    return load_workbook(path)


TIMELINESS_SHEET = "填报及时性"


def section_sheets(wb: Workbook) -> list[Any]:
    """The sheets between 汇总 and the 填报及时性 sheet that follows them when the warehouse has returns."""
    return [ws for ws in wb.worksheets[1:] if ws.title != TIMELINESS_SHEET]


def section_rows(wb: Workbook) -> dict[str, tuple[str, tuple[Any, ...], int]]:
    """target_id -> (sheet name, cell objects of its row, row number) over every section sheet."""
    out = {}
    for ws in section_sheets(wb):
        for r, row in enumerate(ws.iter_rows(min_row=HEADER_ROW + 1), start=HEADER_ROW + 1):
            target_id = row[COLUMN["目标编号"]].value
            if target_id:
                assert target_id not in out, f"{target_id} appears twice"
                out[target_id] = (ws.title, row, r)
    return out


def test_summary_sheet_first_then_one_sheet_per_section_then_timeliness(
    workbook: Workbook, mart: dict[str, dict]
) -> None:
    sections = sorted({r["section_no"] for r in mart.values()})
    assert workbook.sheetnames[0] == "汇总"
    # the sample data has every bureau's progress returns, so 填报及时性 follows the section sheets
    assert len(workbook.sheetnames) == 1 + len(sections) + 1
    assert workbook.sheetnames[-1] == TIMELINESS_SHEET
    assert workbook.sheetnames[1] == "一、经济运行"
    assert [name.split("、")[0] for name in workbook.sheetnames[1:-1]] == list("一二三四五六七八九十")[
        : len(sections)
    ]


def test_every_target_is_on_its_section_sheet_with_the_marts_values(
    workbook: Workbook, mart: dict[str, dict], status_rules: dict[str, dict]
) -> None:
    rows = section_rows(workbook)
    assert set(rows) == set(mart)
    for target_id, (sheet, cells, _) in rows.items():
        expected = mart[target_id]
        assert sheet.startswith("一二三四五六七八九十"[expected["section_no"] - 1] + "、"), target_id
        for header, column in NUMERIC.items():
            got, want = cells[COLUMN[header]].value, expected[column]
            if column == "gap_pp" and expected["status"] in NOT_JUDGED:
                assert got == "—", f"{target_id}: a target not yet assessable shows a gap"
            elif want is None:
                assert got in (None, "—"), f"{target_id} {header}: {got!r}"
            else:
                assert got == pytest.approx(want, rel=1e-9), f"{target_id} {header}"
        assert cells[COLUMN["单位"]].value == expected["unit_label"]
        assert cells[COLUMN["状态"]].value == status_rules[expected["status"]]["label_zh"]


def test_cells_carry_number_formats_and_the_configured_status_colours(
    workbook: Workbook, mart: dict[str, dict], status_rules: dict[str, dict]
) -> None:
    for target_id, (_, cells, _) in section_rows(workbook).items():
        assert cells[COLUMN["完成率"]].number_format == "0.0%"
        assert cells[COLUMN["序时进度"]].number_format == "0.0%"
        assert cells[COLUMN["1-9月完成值"]].number_format in ("#,##0.00", "#,##0")
        if mart[target_id]["comparator"] == ">=" and mart[target_id]["target_value"] is not None:
            assert cells[COLUMN["目标值"]].number_format.startswith('"≥"#,##0')
        gap = cells[COLUMN["超/欠序时或目标(百分点)"]]
        row = mart[target_id]
        if row["status"] not in NOT_JUDGED and row["gap_pp"] is not None:
            words = (
                "超"
                if row["completion_rate"] is not None
                else ("好于目标" if row["kind"] == "decrease" else "高于目标")
            )
            assert gap.number_format.startswith(f'"{words}"'), (target_id, gap.number_format)
        status = cells[COLUMN["状态"]]
        colour = status_rules[mart[target_id]["status"]]["colour_hex"].lstrip("#").upper()
        assert status.fill.fill_type == "solid"
        assert status.fill.fgColor.rgb[-6:] == colour, target_id


def test_every_sheet_has_the_as_of_title_frozen_header_and_landscape_print_setup(workbook: Workbook) -> None:
    for ws in workbook.worksheets:
        assert "截至2024年9月" in ws["A1"].value, ws.title
        assert "2024年工作计划" in ws["A1"].value
        assert ws.freeze_panes is not None, ws.title
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows
    for ws in section_sheets(workbook):
        assert [c.value for c in ws[HEADER_ROW]][: len(SECTION_HEADERS)] == SECTION_HEADERS
        assert ws.freeze_panes == "C4"
        assert ws.column_dimensions["B"].width >= 20


def test_summary_counts_by_section_and_bureau_add_up_to_the_mart(
    workbook: Workbook, mart: dict[str, dict], status_rules: dict[str, dict]
) -> None:
    ws = workbook["汇总"]
    labels = {rule["label_zh"]: status for status, rule in status_rules.items()}
    tables: list[list[dict[str, Any]]] = []
    header: list[Any] = []
    for row in ws.iter_rows(values_only=True):
        if row[0] == "序号":
            header = list(row)
            tables.append([])
        elif tables and row[1] is not None and isinstance(row[2], int):
            tables[-1].append(dict(zip(header, row, strict=False)))
    by_section, by_bureau = tables[0], tables[1]
    want = Counter(r["status"] for r in mart.values())
    total = by_section[-1]
    assert total["领域"] == "合计" and total["目标数"] == len(mart)
    for label, status in labels.items():
        assert total[label] == want[status], label
        assert sum(r[label] for r in by_section[:-1]) == want[status]
        assert sum(r[label] for r in by_bureau) == want[status]
    assert sum(r["目标数"] for r in by_bureau) == len(mart)
    judged = sum(n for s, n in want.items() if s not in ("not_yet_assessable", "no_data"))
    good = want["achieved"] + want["on_track"]
    assert total["达序时比例"] == pytest.approx(good / judged)
    fills = {c.value: c.fill.fgColor.rgb[-6:] for c in ws[5] if c.value in labels}
    assert fills == {label: status_rules[s]["colour_hex"].lstrip("#").upper() for label, s in labels.items()}


def test_generate_reports_both_files_and_the_status_counts(
    generated: dict[str, Any], mart: dict[str, dict]
) -> None:
    assert generated["as_of"] == "2024-09"
    assert Path(generated["html"]).is_file() and Path(generated["xlsx"]).is_file()
    counts = {s: n for s, n in generated["status_counts"].items() if n}
    assert counts == dict(Counter(r["status"] for r in mart.values()))
    assert not list(Path(generated["out_dir"]).glob("*.tmp")), "a temporary file was left behind"


def test_the_report_counts_agree_with_the_summary_marts(serving_db: Path) -> None:
    """The report and the BI marts must never show a leader two different shares on track."""
    import duckdb

    from reporting import summary
    from reporting.queries import read_snapshot

    snapshot = read_snapshot(serving_db, AS_OF, PLAN)
    with duckdb.connect(str(serving_db), read_only=True) as con:
        marts = {
            str(no): (total, share)
            for no, total, share in con.execute(
                "select section_no, target_count, on_track_share from marts.fct_section_summary "
                "where plan_id = ? and as_of_month = ?",
                [PLAN, AS_OF],
            ).fetchall()
        }
    for group in summary.by_section(snapshot):
        total, share = marts[group.key]
        assert group.total == total, group.name
        assert (group.share_on_track is None and share is None) or abs(group.share_on_track - share) < 1e-9


def test_what_needs_speeding_up_and_where_figures_come_from_are_in_words(
    workbook: Workbook, mart: dict[str, dict], source_titles: dict[str, str]
) -> None:
    rows = section_rows(workbook)
    behind = [t for t, r in mart.items() if r["status"] in ("at_risk", "off_track")]
    assert behind
    for target_id, row in mart.items():
        _, cells, _ = rows[target_id]
        needed = cells[COLUMN["需加快(剩余所需)"]].value or ""
        growth = row["required_rest_of_year_growth_pct"]
        if target_id in behind and growth is not None:
            assert f"剩余月份需增长{growth:.1f}%" in needed, target_id
        if target_id not in behind:
            assert needed == "", target_id
        note = cells[COLUMN["备注"]].value or ""
        if row["figure_source"] == "bureau_return":  # the bureau's return: its month and who accepted it
            month, who = row["return_report_month"].month, row["return_accepted_by"]
            assert f"来源:部门填报({month}月,{who}审核接受)" in note, target_id
        elif row["source_id"]:
            assert source_titles[row["source_id"]] in note and row["source_id"] not in note, target_id


def test_the_summary_sheet_lists_the_status_changes_since_last_month(
    workbook: Workbook, serving_db: Path
) -> None:
    import duckdb

    with duckdb.connect(str(serving_db), read_only=True) as con:
        moved = {
            r[0]
            for r in con.execute(
                "select target_id from marts.fct_status_changes where plan_id = ? and as_of_month = ?",
                [PLAN, AS_OF],
            ).fetchall()
        }
    ws = workbook["汇总"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(i for i, row in enumerate(values) if row[0] == "三、上月以来状态变化")
    listed = {row[6] for row in values[start + 2 :] if isinstance(row[0], int) and row[6]}
    assert moved and listed == moved
