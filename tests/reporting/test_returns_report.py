"""The report and the workbook once bureaus return their progress: per bureau its targets' states and its
returns' timeliness (填报及时率), and for every target where its figure comes from and in whose words.

Built from the sample data plus three bureaus' returns (tests/dbt/returns_fixture.py); every check compares
the files with the marts, read here independently of the report's own queries.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from tests.reporting.conftest import AS_OF, PLAN


@pytest.fixture(scope="module")
def page(returns_generated: dict[str, Any]) -> str:
    return html.unescape(Path(returns_generated["html"]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workbook(returns_generated: dict[str, Any]) -> Workbook:
    return load_workbook(Path(returns_generated["xlsx"]))


@pytest.fixture(scope="module")
def bureaus(returns_serving_db: Path) -> dict[str, dict[str, Any]]:
    with duckdb.connect(str(returns_serving_db), read_only=True) as con:
        cur = con.execute(
            "select * from marts.fct_bureau_summary where plan_id = ? and as_of_month = ?", [PLAN, AS_OF]
        )
        names = [d[0] for d in cur.description]
        return {r[3]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def test_the_bureau_table_shows_each_bureaus_timeliness_rate(
    page: str, workbook: Workbook, bureaus: dict[str, dict[str, Any]]
) -> None:
    section = page[page.index('id="by-bureau"') : page.index('id="returns"')]
    for bureau in bureaus.values():
        row = next(r for r in section.split("<tr")[1:] if f"<td>{bureau['bureau_name_zh']}</td>" in r)
        rate = bureau["return_timeliness_rate"]
        assert (
            f"{100 * rate:.1f}%" in row
            and f"{bureau['returns_on_time_count']}/{bureau['returns_due_count']}" in row
        )
    ws = workbook["汇总"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(r for r in rows if r[1] == "责任单位")
    col = header.index("填报及时率")
    listed = {
        r[1]: r[col] for r in rows if isinstance(r[0], int) and r[1] and len(r) > col and r[col] is not None
    }
    science = next(b for b in bureaus.values() if b["bureau_code"] == "science_tech")
    assert listed[science["bureau_name_zh"]] == pytest.approx(science["return_timeliness_rate"])
    assert "3月逾期2个工作日" in section


def test_the_timeliness_sheet_and_section_list_each_bureau_month_by_month(
    page: str, workbook: Workbook, returns_serving_db: Path
) -> None:
    with duckdb.connect(str(returns_serving_db), read_only=True) as con:
        months = {
            (name, m): (code, late)
            for name, m, code, late in con.execute(
                "select bureau_name_zh, report_month_no, timeliness, late_working_days "
                "from marts.fct_return_timeliness where plan_id = ? and report_month <= ?",
                [PLAN, AS_OF],
            ).fetchall()
        }
    ws = workbook["填报及时性"]
    assert workbook.sheetnames[-1] == "填报及时性"
    header = [c.value for c in ws[3]]
    for row in ws.iter_rows(min_row=4, values_only=True):
        for m in range(1, 10):
            code, late = months[(row[1], m)]
            words = row[header.index(f"{m}月")]
            assert words == {"on_time": "按时", "missing": "未报", "late": f"逾期{late}日"}[code], (row[1], m)
    grid = page[page.index('id="returns"') :]
    science = next(r for r in grid.split('<tr class="timeliness-row">')[1:] if "科学技术局" in r)
    cells = re.findall(r'<td class="c t-(\w+)">([^<]*)</td>', science)
    assert cells[2] == ("late", "逾期2日") and len(cells) == 9


def test_every_target_says_where_its_figure_comes_from_and_in_whose_words(
    page: str, workbook: Workbook
) -> None:
    detail = page[page.index('id="details"') :]
    rows = {
        m.group(1): re.sub(r"<[^>]+>", "", m.group(2))
        for m in re.finditer(r'data-target-id="(T[\d-]+)"(.*?)</tr>', detail, re.S)
    }
    assert "来源 部门填报(8月,李明审核接受)" in rows["T2024-035"]
    assert "进展情况:科技贷发放进度偏慢" in rows["T2024-040"]  # the statistic judges, the bureau explains
    assert "计划节点“主体完工”应于2024-08-31前完成,已逾期30天" in rows["T2024-088"]
    sheets = {ws.title: ws for ws in workbook.worksheets}
    found = {}
    for ws in sheets.values():
        header = [c.value for c in ws[3]]
        if "数据来源" not in header:
            continue
        for row in ws.iter_rows(min_row=4, values_only=True):
            found[row[header.index("目标编号")]] = (
                row[header.index("数据来源")],
                row[header.index("进展情况(部门填报)")],
            )
    assert found["T2024-035"][0] == "部门填报" and found["T2024-040"] == (
        "统计发布",
        "科技贷发放进度偏慢,已与三家银行对接",
    )
    assert found["T2024-037"][0] == "暂无"
