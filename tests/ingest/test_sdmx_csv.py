"""SDMX-CSV 2.0 from a provincial statistics feed."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest

from ingest.errors import ReleaseError
from ingest.formats import FORMATS
from ingest.formats.preview import read_preview
from ingest.formats.sdmx_csv import FORMAT, parse_time_period
from ingest.normalise import Period
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import Source
from tests.ingest.conftest import FIXTURES, make_source

FIXTURE = FIXTURES / "sdmx_tourism.csv"
TEXT = FIXTURE.read_text(encoding="utf-8-sig")


def sdmx_source(**options: Any) -> Source:
    opts: dict[str, Any] = {
        "structure_id": "ZJ_STATS:DF_COUNTY_TOURISM(1.0)",
        "series": [
            {
                "key": {"INDICATOR": "TOUR_REV", "MEASURE": "YTD"},
                "indicator": "旅游总收入",
                "measure": "ytd_value",
            },
            {
                "key": {"INDICATOR": "TOUR_REV", "MEASURE": "YTD_GR"},
                "indicator": "旅游总收入",
                "measure": "ytd_growth_pct",
            },
        ],
        "regions": {"330211": "district"},
        "units": {"CNY": "元", "PT": "%", "PS": "人"},
    }
    opts.update(options)
    return make_source(
        id="culture_tourism_sdmx",
        bureau="culture_tourism",
        format="sdmx_csv",
        location="tourism/sdmx_{year}.csv",
        release={"frequency": "quarterly", "description": "季后20日", "first_period": "2024-01"},
        excel_report=None,
        sdmx_csv=opts,
        indicators=[{"label": "旅游总收入", "code": "tourism_revenue", "unit": "亿元"}],
    )


def _parse(text: str = TEXT, source: Source | None = None) -> list:
    return read_preview(text.encode("utf-8"), source or sdmx_source(), "sdmx_2024.csv").figures


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2024-03", Period(2024, 3, 3)),
        ("2024-M03", Period(2024, 3, 3)),
        ("2024-Q1", Period(2024, 1, 3)),
        ("2024-Q4", Period(2024, 10, 12)),
        ("2024-S1", Period(2024, 1, 6)),
        ("2024", Period(2024, 1, 12)),
        ("2024-A1", Period(2024, 1, 12)),
    ],
)
def test_time_periods(text: str, period: Period) -> None:
    assert parse_time_period(text) == period


@pytest.mark.parametrize("text", ["2024-13", "2024-Q5", "2024-W01", "24-03", ""])
def test_bad_time_periods(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time_period(text)


def test_the_registry_knows_the_format() -> None:
    assert FORMATS["sdmx_csv"] is FORMAT


def test_observations_with_unit_mult_status_and_labels_in_headers() -> None:
    records = {(r.measure, r.period): r for r in _parse()}
    q2 = records[("ytd_value", Period(2024, 1, 6))]  # a year-to-date series labelled 2024-Q2 covers 1-6月
    assert q2.value == 81.47  # OBS_VALUE as published
    assert (q2.unit, q2.unit_multiplier, q2.unit_raw) == ("yuan", 1e8, "CNY×10^8")  # UNIT_MULT 8: 亿元
    assert q2.obs_status == "P"
    assert records[("ytd_value", Period(2024, 1, 3))].obs_status == "A"
    assert records[("ytd_growth_pct", Period(2024, 1, 6))].value == 5.4
    assert {r.region_code for r in records.values()} == {"district"}  # the city row and TOUR_VIS are skipped


WITHDRAW_Q1_GROWTH = "dataflow,ZJ_STATS:DF_COUNTY_TOURISM(1.0),D,330211,TOUR_REV,YTD_GR,2024-Q1,,PT,0,,撤回\n"


def test_delete_action_withdraws_a_loaded_figure_as_a_new_vintage(ingest_paths: IngestPaths) -> None:
    source = sdmx_source()
    path = ingest_paths.data_root / "tourism" / "sdmx_2024.csv"
    path.parent.mkdir(parents=True)
    path.write_text(TEXT, encoding="utf-8-sig")
    today = date(2024, 10, 20)
    assert ingest_source(source, ingest_paths, date(2024, 6, 1), today=today).status == "loaded"
    kept = [line for line in TEXT.splitlines(keepends=True) if ",YTD_GR,2024-Q1," not in line]
    path.write_text("".join(kept) + WITHDRAW_Q1_GROWTH, encoding="utf-8-sig")
    assert ingest_source(source, ingest_paths, date(2024, 6, 1), today=today).status == "loaded"
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        rows = con.execute(
            "select value, value_raw from observations where measure = 'ytd_growth_pct' and period_end_month = 3"
            " order by loaded_at"
        ).fetchall()
    assert rows == [(6.1, "6.1"), (None, "ACTION=D")]  # the raw layer keeps both: nothing is deleted


def test_delete_action_for_a_figure_never_loaded_is_rejected(ingest_paths: IngestPaths) -> None:
    """Issue 14: an ACTION=D for a key this source never loaded invented a NULL figure; now it rejects."""
    path = ingest_paths.data_root / "tourism" / "sdmx_2024.csv"
    path.parent.mkdir(parents=True)
    path.write_text(TEXT + WITHDRAW_Q1_GROWTH.replace("2024-Q1", "2024-Q3"), encoding="utf-8-sig")
    result = ingest_source(sdmx_source(), ingest_paths, date(2024, 9, 1), today=date(2024, 10, 20))
    assert result.status == "rejected"
    assert "row=8, column=ACTION" in result.rejected[0] and "never loaded" in result.rejected[0]


def test_no_action_column_means_information() -> None:
    lines = TEXT.splitlines()
    without = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 2) for line in lines[:3])
    assert [r.value for r in _parse(without)] == [38.62, 6.1]


def test_another_dataflow_is_rejected() -> None:
    with pytest.raises(ReleaseError, match="STRUCTURE_ID is 'ZJ_STATS:DF_COUNTY_TOURISM\\(2.0\\)'") as err:
        _parse(TEXT.replace("(1.0)", "(2.0)"))
    assert "row=2, column=STRUCTURE_ID" in str(err.value)


def test_a_changed_unit_mult_is_a_changed_unit() -> None:
    with pytest.raises(
        ReleaseError, match="unit of 旅游总收入 changed to 'CNY×10\\^4'; expected '亿元'"
    ) as err:
        _parse(TEXT.replace("38.62,CNY,8", "386200,CNY,4"))
    assert "row=2, column=OBS_VALUE" in str(err.value)


def test_an_unmapped_unit_code_is_an_error() -> None:
    with pytest.raises(ReleaseError, match="unit code 'USD' is not mapped"):
        _parse(TEXT.replace("38.62,CNY", "38.62,USD"))


def test_a_missing_dimension_column_is_an_error() -> None:
    with pytest.raises(ReleaseError, match="columns missing or renamed: MEASURE") as err:
        _parse(TEXT.replace(",MEASURE,", ",MEASURE_TYPE,"))
    assert "row=1" in str(err.value)


def test_unknown_action_and_bad_time_period() -> None:
    with pytest.raises(ReleaseError, match="ACTION 'X'"):
        _parse(TEXT.replace(",I,330211", ",X,330211", 1))
    with pytest.raises(ReleaseError, match="TIME_PERIOD '2024-W13'") as err:
        _parse(TEXT.replace("2024-Q1", "2024-W13", 1))
    assert "column=TIME_PERIOD" in str(err.value)


def test_truncated_message() -> None:
    with pytest.raises(ReleaseError, match="row has|malformed CSV"):
        _parse(TEXT[: TEXT.index("初步数") + 2])


def test_revision_from_provisional_to_final_is_a_new_vintage(ingest_paths: IngestPaths) -> None:
    source = sdmx_source()
    path = ingest_paths.data_root / "tourism" / "sdmx_2024.csv"
    path.parent.mkdir(parents=True)
    path.write_text(TEXT, encoding="utf-8-sig")
    today = date(2024, 10, 20)
    assert ingest_source(source, ingest_paths, date(2024, 6, 1), today=today).status == "loaded"
    path.write_text(TEXT.replace("81.47,CNY,8,P", "82.03,CNY,8,A"), encoding="utf-8-sig")
    assert ingest_source(source, ingest_paths, date(2024, 6, 1), today=today).status == "loaded"
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        rows = con.execute(
            "select value, obs_status from observations where measure = 'ytd_value' and period_end_month = 6"
            " order by loaded_at"
        ).fetchall()
    assert rows == [(81.47, "P"), (82.03, "A")]
