"""The 统计月报 .xlsx parser on workbooks laid out as the statistics bureau publishes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from ingest.errors import ReleaseError
from ingest.formats.preview import read_preview
from ingest.normalise import Period
from tests.ingest.conftest import REPORT_MERGES, make_source, report_rows, xlsx_bytes


def _by_key(records: list) -> dict[tuple[str, str], object]:
    return {(r.indicator_code, r.measure): r for r in records}


def test_title_period_merged_headers_and_units_in_brackets(report_xlsx: Callable[..., bytes]) -> None:
    parsed = read_preview(report_xlsx(), make_source(), "tjyb_202403.xlsx")
    recs = _by_key(parsed.figures)
    ytd = recs[("industrial_value_added", "ytd_value")]
    assert ytd.value == 150.2
    assert ytd.period == Period(2024, 1, 3)  # the 累计 column covers 1-3月
    assert (ytd.unit, ytd.unit_raw, ytd.unit_multiplier) == ("yuan", "亿元", 1e8)
    assert ytd.file_sheet == "主要经济指标" and ytd.file_row == 4
    month = recs[("industrial_value_added", "month_value")]
    assert month.period == Period(2024, 3, 3)  # 本月 covers the last month only
    assert month.value == 55.1
    growth = recs[("industrial_value_added", "ytd_growth_pct")]
    assert (growth.value, growth.unit) == (7.5, "percent")


def test_sub_item_rows_are_read_and_missing_markers_stay_missing(report_xlsx: Callable[..., bytes]) -> None:
    parsed = read_preview(report_xlsx(), make_source(), "tjyb_202403.xlsx")
    recs = _by_key(parsed.figures)
    assert recs[("industrial_investment", "ytd_value")].value == 41.5
    assert recs[("industrial_investment", "ytd_growth_pct")].value is None  # "…" is missing, never 0
    assert recs[("industrial_investment", "month_value")].value is None
    assert recs[("industrial_investment", "month_value")].value_raw == "—"


def test_footnotes_are_skipped_and_release_date_is_read(report_xlsx: Callable[..., bytes]) -> None:
    parsed = read_preview(report_xlsx(), make_source(), "tjyb_202403.xlsx")
    assert parsed.release_date == date(2024, 4, 15)
    assert all(not r.label_raw.startswith("注") for r in parsed.figures)


def test_indicators_not_in_the_registry_are_ignored(report_xlsx: Callable[..., bytes]) -> None:
    parsed = read_preview(report_xlsx(), make_source(), "tjyb_202403.xlsx")
    assert {r.indicator_code for r in parsed.figures} == {"industrial_value_added", "industrial_investment"}


def test_measures_can_be_restricted_per_indicator(report_xlsx: Callable[..., bytes]) -> None:
    source = make_source(
        indicators=[{"label": "固定资产投资", "code": "fai_total", "unit": "亿元", "measures": ["ytd_value"]}]
    )
    parsed = read_preview(report_xlsx(), source, "tjyb_202403.xlsx")
    assert [(r.indicator_code, r.measure, r.value) for r in parsed.figures] == [
        ("fai_total", "ytd_value", 80.0)
    ]


def test_one_to_two_months_title(report_xlsx: Callable[..., bytes]) -> None:
    parsed = read_preview(report_xlsx(period="1-2月"), make_source(), "tjyb_202402.xlsx")
    recs = _by_key(parsed.figures)
    assert recs[("industrial_value_added", "ytd_value")].period == Period(2024, 1, 2)


def test_default_sheet_is_the_first() -> None:
    content = xlsx_bytes(report_rows(), REPORT_MERGES, sheet="Sheet1")
    source = make_source(
        excel_report={"title_rows": 1, "header_rows": 2, "columns": {"累计\\|绝对值$": "ytd_value"}}
    )
    parsed = read_preview(content, source, "tjyb_202403.xlsx")
    assert {r.file_sheet for r in parsed.figures} == {"Sheet1"}


def test_header_pattern_matching_two_columns_is_an_error(report_xlsx: Callable[..., bytes]) -> None:
    source = make_source(
        excel_report={
            "sheet": "主要经济指标",
            "title_rows": 1,
            "header_rows": 2,
            "columns": {"累计": "ytd_value"},
        }
    )
    with pytest.raises(ReleaseError, match="matched 2 columns"):
        read_preview(report_xlsx(), source, "tjyb_202403.xlsx")
