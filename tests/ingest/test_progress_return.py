"""The progress_return format: a filled-in template reads back as the records of the contract, and every
check rejects a real bad workbook whole, naming the rule, the sheet, the row and the column.

Each bad case is a template written by the format's own writer and then typed over with openpyxl as a
bureau would in Excel (tests/returns/books.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import openpyxl
import pytest

from ingest.errors import ReleaseError
from ingest.formats import FORMATS
from ingest.formats.progress_return.catalog import Target
from ingest.formats.progress_return.model import Filled
from tests.returns.books import book, edit, read_back, row_of, workbook

COMMERCE = workbook(book("commerce"))
TRANSPORT = workbook(book("transport"))


def test_a_filled_template_reads_back_as_the_rows_of_the_contract() -> None:
    cells = read_back(COMMERCE)
    records = cells.records
    assert (records.bureau_code, records.plan_id, records.year, records.month) == (
        "commerce",
        "district_2024",
        2024,
        4,
    )
    assert (records.reporter, records.phone, records.submitted_on) == (
        "张伟",
        "0574-86181234",
        date(2024, 5, 3),
    )
    assert cells.release_date == date(2024, 5, 3) and cells.record_count == 10
    fdi = next(r for r in records.rows if r.target_id == "T2024-003")
    assert (fdi.cumulative_value, fdi.file_row, fdi.progress_text) == (
        1.0,
        row_of(COMMERCE, "T2024-003"),
        "累计完成1亿美元，按序时推进。",
    )
    retail = next(r for r in records.rows if r.target_id == "T2024-005")
    assert retail.cumulative_value == 7.0 and retail.progress_text == "（1-4月）运行平稳；"


def test_a_milestone_is_loaded_as_state_codes_with_its_planned_stage() -> None:
    row = next(r for r in read_back(TRANSPORT, "transport.xlsx").records.rows if r.target_id == "T2024-088")
    assert (row.milestone_state, row.next_stage, row.next_stage_date) == (
        "under_construction", "main_works_done", date(2024, 11, 30))  # fmt: skip
    assert row.cumulative_value is None


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12.5亿元", 12.5), ("１２．５", 12.5), ("1,250", 1250.0), ("十二", 12.0), ("—", None)],
)
def test_numbers_are_read_as_bureaus_type_them_in_the_rows_unit(typed: str, value: float | None) -> None:
    r = row_of(COMMERCE, "T2024-004")  # 市外内资, 亿元
    rows = read_back(edit(COMMERCE, {f"K{r}": typed})).records.rows
    assert next((x.cumulative_value for x in rows if x.target_id == "T2024-004"), None) == value


def _milestone(**changes: Any) -> dict[str, Any]:
    r = row_of(TRANSPORT, "T2024-088")
    columns = {"value": "K", "state": "L", "next": "M", "date": "N", "evidence": "P"}
    return {f"{columns[k]}{r}": v for k, v in changes.items()}


def _commerce_cell(target: str, column: str, value: Any) -> dict[str, Any]:
    return {f"{column}{row_of(COMMERCE, target)}": value}


# rule, bureau, cells typed over, (sheet, column) expected; the row is the typed cell's
BAD_CELLS = [
    ("header_changed", "commerce", {"K5": "完成值"}, ("填报表", "K")),
    ("error_cell", "commerce", _commerce_cell("T2024-004", "K", "#DIV/0!"), ("填报表", "K")),
    ("required", "commerce", {"B3": None}, ("填报表", "B")),
    ("phone_format", "commerce", {"E3": "8612"}, ("填报表", "E")),
    ("too_long", "commerce", _commerce_cell("T2024-004", "O", "进展，" * 251), ("填报表", "O")),
    ("date_unreadable", "commerce", {"H3": "下周一"}, ("填报表", "H")),
    ("submitted_future", "commerce", {"H3": date(2025, 3, 1)}, ("填报表", "H")),
    ("submitted_before_month", "commerce", {"H3": date(2024, 3, 28)}, ("填报表", "H")),
    ("target_unknown", "commerce", _commerce_cell("T2024-004", "B", "T2024-999"), ("填报表", "B")),
    ("target_other_bureau", "commerce", _commerce_cell("T2024-004", "B", "T2024-002"), ("填报表", "B")),
    ("target_other_plan", "commerce", _commerce_cell("T2024-004", "B", "district_2025-003"), ("填报表", "B")),
    ("target_twice", "commerce", _commerce_cell("T2024-004", "B", "T2024-003"), ("填报表", "B")),
    ("number_unreadable", "commerce", _commerce_cell("T2024-004", "K", "约12"), ("填报表", "K")),
    ("number_other_unit", "commerce", _commerce_cell("T2024-004", "K", "3200万元"), ("填报表", "K")),
    ("number_out_of_range", "commerce", _commerce_cell("T2024-006", "K", -1), ("填报表", "K")),
    ("number_not_whole", "commerce", _commerce_cell("T2024-006", "K", 2.5), ("填报表", "K")),
    ("number_on_milestone", "transport", _milestone(value=3), ("填报表", "K")),
    ("state_unknown", "transport", _milestone(state="快完成了"), ("填报表", "L")),
    ("milestone_without_state", "transport", _milestone(state=None), ("填报表", "L")),
    ("next_stage_missing", "transport", _milestone(next=None, date=None), ("填报表", "M")),
    ("next_stage_half", "transport", _milestone(date=None), ("填报表", "N")),
    ("next_stage_not_ahead", "transport", _milestone(next="前期工作"), ("填报表", "M")),
    ("date_outside_plan", "transport", _milestone(date=date(2023, 12, 31)), ("填报表", "N")),
    ("evidence_missing", "transport", _milestone(state="已完成", next=None, date=None), ("填报表", "P")),
]


@pytest.mark.parametrize(("rule", "bureau", "cells", "place"), BAD_CELLS, ids=[c[0] for c in BAD_CELLS])
def test_each_check_rejects_a_bad_workbook_naming_its_cell(
    rule: str, bureau: str, cells: dict[str, Any], place: tuple[str, str]
) -> None:
    content = edit(COMMERCE if bureau == "commerce" else TRANSPORT, cells)
    with pytest.raises(ReleaseError) as err:
        read_back(content, f"{bureau}.xlsx")
    found = [f for f in err.value.findings if f.rule == rule]
    assert found, [f.rule for f in err.value.findings]
    row = int("".join(ch for ch in next(iter(cells)) if ch.isdigit()))
    assert (found[0].sheet, found[0].column, found[0].row) == (*place, row)
    assert found[0].message_zh and found[0].fix_zh  # what the bureau reads
    assert "source=bureau_progress_returns, file=" in str(err.value)


def test_a_wrong_value_in_a_percentage_row_is_out_of_its_range() -> None:
    content = edit(workbook(book("transport")), {f"K{row_of(TRANSPORT, 'T2024-010')}": 120})
    with pytest.raises(ReleaseError) as err:
        read_back(content, "transport.xlsx")
    assert [f.rule for f in err.value.findings] == ["number_out_of_range"]
    assert "0至100" in err.value.findings[0].message_zh


@pytest.mark.parametrize(
    ("rule", "cells", "name", "month"),
    [
        ("stamp_unknown", {"B3": "nobody"}, "commerce.xlsx", 4),
        ("month_not_folder", {}, "commerce.xlsx", 5),
        ("file_names_other_bureau", {}, "transport_2024-04.xlsx", 4),
        ("month_outside_plan", {"B4": "2025-04"}, "commerce.xlsx", 0),
    ],
)
def test_a_file_must_belong_where_it_claims(rule: str, cells: dict[str, str], name: str, month: int) -> None:
    """The stamp (a very hidden sheet), the drop folder's month and the file name must agree."""
    content = edit(COMMERCE, cells, sheet="_planwatch") if cells else COMMERCE
    with pytest.raises(ReleaseError) as err:
        read_back(content, name, month=month, year=2024 if month else 0)
    assert rule in [f.rule for f in err.value.findings]


def test_a_file_name_naming_the_bureau_by_its_chinese_name_is_accepted() -> None:
    assert read_back(COMMERCE, "商务局4月进展.xlsx").record_count == 10


def test_a_blank_template_is_nothing_filled_in() -> None:
    blank = workbook(book("commerce", rows=lambda t: Filled()))
    with pytest.raises(ReleaseError) as err:
        read_back(blank)
    assert [f.rule for f in err.value.findings] == ["nothing_filled"]


def test_a_row_left_blank_is_not_reported_and_not_loaded() -> None:
    def some(t: Target) -> Filled:
        return Filled() if t.target_id == "T2024-003" else Filled(cumulative_value=1.0)

    rows = read_back(workbook(book("commerce", rows=some))).records.rows
    assert "T2024-003" not in {r.target_id for r in rows} and len(rows) == 9


def test_a_workbook_that_is_no_template_is_one_finding_with_its_reason(tmp_path) -> None:  # noqa: ANN001
    wb = openpyxl.Workbook()
    wb.active.title = "填报表"
    wb.active["A1"] = "商务局进展"
    path = tmp_path / "commerce.xlsx"
    wb.save(path)
    with pytest.raises(ReleaseError) as err:
        read_back(path.read_bytes())
    assert [f.rule for f in err.value.findings] == ["not_a_template"]


def test_every_problem_of_a_file_is_reported_not_only_the_first() -> None:
    r = row_of(COMMERCE, "T2024-004")
    content = edit(COMMERCE, {"E3": "8612", f"K{r}": "约12", f"O{r}": "字" * 501})
    with pytest.raises(ReleaseError) as err:
        read_back(content)
    assert sorted(f.rule for f in err.value.findings) == ["number_unreadable", "phone_format", "too_long"]
    assert "(and 2 more problems)" in str(err.value)


def test_the_format_is_recognised_from_its_stamp_and_registered_with_its_tables() -> None:
    fmt = FORMATS["progress_return"]
    assert fmt.sniff(COMMERCE, __import__("pathlib").Path("x.xlsx"))
    assert not FORMATS["progress_return"].sniff(b"PK\x03\x04not a zip", __import__("pathlib").Path("x.xlsx"))
    assert fmt.tables is not None and "create table if not exists progress_returns" in fmt.tables.ddl
