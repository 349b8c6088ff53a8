"""Fixtures for the ingest tests: registry entries built in code, private state folders, real .xlsx files."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from ingest.paths import IngestPaths
from ingest.registry import Source

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
FIXTURES = REPO / "tests" / "fixtures" / "ingest"


def make_source(**overrides: Any) -> Source:
    """A valid excel_report source like the statistics bureau's; any field can be overridden."""
    data: dict[str, Any] = {
        "id": "stats_test",
        "bureau": "stats",
        "title": "测试统计月报",
        "format": "excel_report",
        "location": "stats/{year}/tjyb_{year}{month:02d}.xlsx",
        "release": {
            "frequency": "monthly",
            "description": "每月15日前后发布上月数据",
            "first_period": "2024-01",
            "skip_months": [1],
        },
        "excel_report": {
            "sheet": "主要经济指标",
            "title_rows": 1,
            "header_rows": 2,
            "columns": {
                "^本月$": "month_value",
                "累计\\|绝对值$": "ytd_value",
                "累计\\|同比增长": "ytd_growth_pct",
            },
        },
        "indicators": [
            {"label": "规上工业增加值", "code": "industrial_value_added", "unit": "亿元"},
            {"label": "工业投资", "code": "industrial_investment", "unit": "亿元"},
        ],
    }
    data.update(overrides)
    return Source.model_validate(data)


def csv_source(**options: Any) -> Source:
    opts: dict[str, Any] = {
        "encoding": "auto",
        "period_column": "统计期",
        "label_column": "指标",
        "unit_column": "单位",
        "columns": {"累计值": "ytd_value", "累计增长(%)": "ytd_growth_pct"},
    }
    opts.update(options)
    return make_source(
        id="commerce_test",
        bureau="commerce",
        format="csv_table",
        location="commerce/swj_{year}.csv",
        excel_report=None,
        csv_table=opts,
        indicators=[
            {"label": "实际利用外资", "code": "fdi_actual", "unit": "亿美元"},
            {"label": "市外内资", "code": "domestic_capital_external", "unit": "亿元"},
        ],
    )


def xlsx_bytes(
    rows: Sequence[Sequence[object]],
    merges: Sequence[str] = (),
    sheet: str = "主要经济指标",
    extra_sheets: Sequence[str] = (),
) -> bytes:
    """A real workbook written by openpyxl, merged cells and all."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    for name in extra_sheets:
        wb.create_sheet(name)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_rows(
    period: str = "1-3月",
    year: int = 2024,
    iva: object = 150.2,
    growth: object = 7.5,
    inv_label: str = "  其中:工业投资(亿元)",
) -> list[list[object]]:
    """A 统计月报 laid out as the bureau does: title, two merged header rows, a 其中 row, 注 footnotes."""
    return [
        [f"XX区{year}年{period}主要经济指标", None, None, None],
        ["指标名称", "本月", f"{period}累计", None],
        [None, None, "绝对值", "同比增长(%)"],
        ["规上工业增加值(亿元)", 55.1, iva, growth],
        ["固定资产投资(亿元)", "—", 80.0, 2.1],
        [inv_label, "—", 41.5, "…"],
        [None],
        ["注:1.规上工业增加值增速按可比价格计算;2.增速按可比口径计算。"],
        ["发布日期:2024年4月15日"],
    ]


REPORT_MERGES = ("A1:D1", "A2:A3", "B2:B3", "C2:D2")


@pytest.fixture
def report_xlsx() -> Callable[..., bytes]:
    def build(**kw: Any) -> bytes:
        return xlsx_bytes(report_rows(**kw), REPORT_MERGES)

    return build


@pytest.fixture
def ingest_paths(tmp_path: Path) -> IngestPaths:
    data_root = tmp_path / "data"
    data_root.mkdir()
    return IngestPaths(
        data_root=data_root,
        landing=tmp_path / "landing",
        quarantine=tmp_path / "quarantine",
        raw_db=tmp_path / "raw.duckdb",
    )
