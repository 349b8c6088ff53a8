"""Real progress-return workbooks for the tests: a template filled in by the format's own writer, then
changed cell by cell with openpyxl the way a bureau types into Excel (so a bad value is a real cell of a
real .xlsx, read back by the real reader)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from openpyxl import load_workbook

from ingest.formats.base import Cells, ReleaseContext
from ingest.formats.progress_return import read
from ingest.formats.progress_return.catalog import Target, load_catalog
from ingest.formats.progress_return.model import Filled, ReturnBook, TemplateRow
from ingest.formats.progress_return.workbook import write_book
from ingest.registry import Source, load_registry
from tests.conftest import REPO

SOURCE: Source = load_registry(REPO / "config" / "sources")["bureau_progress_returns"]
TODAY = date(2025, 1, 31)
FIRST_ROW = 6


def plausible(target: Target, month: int) -> Filled:
    """A row a careful bureau fills in (full-width punctuation in its words, as government text is)."""
    if target.is_milestone:
        return Filled(milestone_state="在建", next_stage="主体完工", next_stage_date=date(2024, 11, 30),
                      progress_text="主体结构施工中，完成投资约六成。")  # fmt: skip
    if target.is_percent:
        return Filled(
            cumulative_value=(target.target_value or 5.0) + 0.5, progress_text="（1-4月）运行平稳；"
        )
    value = round((target.target_value or 12) * month / 12)
    return Filled(
        cumulative_value=float(value), progress_text=f"累计完成{value}{target.unit_raw}，按序时推进。"
    )


def book(
    bureau: str = "commerce",
    year: int = 2024,
    month: int = 4,
    rows: Callable[[Target], Filled] | None = None,
    **header: Any,
) -> ReturnBook:
    catalog = load_catalog()
    plan = catalog.plan_of_year(year)
    assert plan is not None
    fill = rows or (lambda t: plausible(t, month))
    template_rows = [
        TemplateRow(t.target_id, filled=fill(t)) for t in catalog.targets_of(plan.plan_id, bureau)
    ]
    fields: dict[str, Any] = {
        "reporter": "张伟",
        "phone": "0574-86181234",
        "submitted_on": date(year, month % 12 + 1, 3),
    }
    fields.update(header)
    return ReturnBook(plan.plan_id, bureau, year, month, date(year, month % 12 + 1, 8), 5, template_rows,
                      SOURCE.options, drop_folder=f"returns/{year}-{month:02d}", **fields)  # type: ignore[arg-type]  # fmt: skip


def workbook(b: ReturnBook | None = None) -> bytes:
    return write_book(b or book(), load_catalog())


def edit(content: bytes, cells: dict[str, Any], sheet: str = "填报表") -> bytes:
    """The workbook with cells typed over (e.g. {"K7": "约12"}), saved again."""
    wb = load_workbook(io.BytesIO(content))
    for ref, value in cells.items():
        wb[sheet][ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row_of(content: bytes, target_id: str) -> int:
    """The sheet row holding a target."""
    ws = load_workbook(io.BytesIO(content))["填报表"]
    return next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws[f"B{r}"].value == target_id)


def read_back(content: bytes, name: str = "commerce.xlsx", year: int = 2024, month: int = 4,
              today: date = TODAY) -> Cells:  # fmt: skip
    return read(content, SOURCE, ReleaseContext(name, year, month, today))
