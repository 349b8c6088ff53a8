"""Templates from the catalog: one fill-in workbook per bureau, protected where the plan speaks, validated
where the bureau types, stamped with where it belongs, and read back by the format that issued it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from core.errors import UsageError
from core.settings import load_settings
from ingest.formats.base import ReleaseContext
from ingest.formats.progress_return import read
from ingest.formats.progress_return.catalog import load_catalog
from returns.templates import write_templates
from tests.conftest import Project
from tests.returns.books import SOURCE, edit, row_of


@pytest.fixture
def april(project: Project, tmp_path: Path) -> dict[str, Path]:
    files = write_templates(load_settings(), 2024, 4, tmp_path / "out")
    return {p.name: p for p in files}


def test_one_template_per_bureau_of_the_plan(april: dict[str, Path]) -> None:
    bureaus = load_catalog().bureaus_of("district_2024")
    assert sorted(april) == sorted(f"{b}_2024-04.xlsx" for b in bureaus) and len(april) == 22


def test_the_plan_is_locked_and_the_bureaus_cells_are_open(april: dict[str, Path]) -> None:
    wb = load_workbook(april["transport_2024-04.xlsx"])
    assert wb.sheetnames == ["填报表", "填报说明", "选项", "_planwatch"]
    ws = wb["填报表"]
    assert ws.protection.sheet and not ws.protection.password  # against accidents, not against reading
    rate, metro = row_of_path(april, "T2024-010"), row_of_path(april, "T2024-088")
    assert [ws[f"{c}{rate}"].protection.locked for c in "ABCDEFGHIJ"] == [True] * 10
    assert [ws[f"{c}{rate}"].protection.locked for c in "KLMNOPQ"] == [False] * 7
    assert ws[f"K{metro}"].protection.locked  # a milestone reports a state, not a number
    assert [ws[c].protection.locked for c in ("B3", "E3", "H3")] == [False] * 3
    assert (ws["A1"].value, ws["H2"].value) == ("区人民政府2024年工作计划目标任务进展填报表（2024年4月）",
                                                "2024年5月10日（5月第5个工作日）")  # fmt: skip
    assert (ws[f"B{rate}"].value, ws[f"E{rate}"].value, ws[f"F{rate}"].value) == ("T2024-010", "%", "≥20%")


def row_of_path(files: dict[str, Path], target: str) -> int:
    return row_of(files["transport_2024-04.xlsx"].read_bytes(), target)


def test_input_cells_carry_data_validation(april: dict[str, Path]) -> None:
    ws = load_workbook(april["transport_2024-04.xlsx"])["填报表"]
    rules = {(v.type, v.formula1, str(v.sqref)) for v in ws.data_validations.dataValidation}
    last = 5 + 10
    assert ("list", "'选项'!$A$2:$A$7", f"L6:L{last}") in rules
    assert ("list", "'选项'!$A$2:$A$7", f"M6:M{last}") in rules
    assert ("textLength", "500", f"O6:O{last}") in rules
    assert ("date", "DATE(2024,1,1)", f"N6:N{last}") in rules
    rate = row_of_path(april, "T2024-010")
    assert ("decimal", "0", f"K{rate}") in rules  # a rate: between 0 and 100
    assert all(v.showErrorMessage for v in ws.data_validations.dataValidation)


def test_the_stamp_says_whose_file_it_is(april: dict[str, Path]) -> None:
    wb = load_workbook(april["transport_2024-04.xlsx"])
    stamp = wb["_planwatch"]
    assert stamp.sheet_state == "veryHidden" and wb["选项"].sheet_state == "hidden"
    values = {row[0].value: row[1].value for row in stamp.iter_rows()}
    assert values == {"format": "planwatch.progress_return/1", "plan_id": "district_2024",
                      "bureau_code": "transport", "month": "2024-04"}  # fmt: skip
    assert wb.defined_names["pw_bureau"].attr_text == "'_planwatch'!$B$3"


def test_the_instructions_say_what_to_fill_by_when_and_how_to_send_it(april: dict[str, Path]) -> None:
    text = "\n".join(
        str(c.value) for c in load_workbook(april["transport_2024-04.xlsx"])["填报说明"]["A"] if c.value
    )
    assert "请于2024年5月10日（5月第5个工作日）前报送" in text
    assert "降幅类填同比变化，下降为负数" in text
    assert all(label in text for label in ("未启动", "前期工作", "在建", "主体完工", "已完成", "已投用"))
    assert "报送目录：returns/2024-04" in text and SOURCE.options.return_to in text  # type: ignore[attr-defined]


def test_a_template_filled_in_is_read_back_by_the_format(april: dict[str, Path]) -> None:
    content = april["transport_2024-04.xlsx"].read_bytes()
    r = row_of(content, "T2024-088")
    filled = edit(content, {"B3": "王静", "E3": "13857410001", "H3": date(2024, 5, 7), f"L{r}": "在建",
                            f"M{r}": "主体完工", f"N{r}": date(2024, 11, 30), f"O{r}": "盾构已贯通。"})  # fmt: skip
    records = read(
        filled, SOURCE, ReleaseContext("transport_2024-04.xlsx", 2024, 4, date(2025, 1, 1))
    ).records
    assert [(x.target_id, x.milestone_state, x.next_stage_date) for x in records.rows] == [
        ("T2024-088", "under_construction", date(2024, 11, 30))
    ]


def test_the_last_accepted_figure_and_state_come_from_the_published_warehouse(
    project: Project, tmp_path: Path
) -> None:
    serving = project.state / "warehouse" / "planwatch.duckdb"
    serving.parent.mkdir(parents=True)
    with duckdb.connect(str(serving)) as con:
        con.execute("create schema marts")
        con.execute("""create table marts.fct_target_return_vintages (plan_id varchar, target_id varchar,
                       report_month date, reported_value double, milestone_state varchar, is_current boolean)""")
        con.execute("""insert into marts.fct_target_return_vintages values
            ('district_2024', 'T2024-093', date '2024-02-01', 3, null, true),
            ('district_2024', 'T2024-093', date '2024-03-01', 5, null, true),
            ('district_2024', 'T2024-093', date '2024-03-01', 4, null, false),
            ('district_2024', 'T2024-093', date '2024-04-01', 7, null, true),
            ('district_2024', 'T2024-088', date '2024-03-01', null, 'under_construction', true)""")
    [path] = write_templates(load_settings(), 2024, 4, tmp_path / "out", bureau="transport")
    ws = load_workbook(path)["填报表"]
    bus, metro = row_of(path.read_bytes(), "T2024-093"), row_of(path.read_bytes(), "T2024-088")
    assert [ws[f"{c}{bus}"].value for c in "HIJ"] == ["2024年3月", 5, None]  # April is the month being filled
    assert [ws[f"{c}{metro}"].value for c in "HIJ"] == [None, None, "在建"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"bureau": "nobody"}, "bureau 'nobody' has no targets in district_2024"),
        ({"plan_id": "district_2025"}, "plan district_2025 is the plan of 2025, not of 2024-04"),
        ({"plan_id": "district_2030"}, "no plan district_2030 in the catalog"),
    ],
)
def test_a_template_for_nothing_is_one_clear_error(
    project: Project, tmp_path: Path, kw: dict, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        write_templates(load_settings(), 2024, 4, tmp_path, **kw)
