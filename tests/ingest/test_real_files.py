"""Files published by statistical agencies (origins in tests/fixtures/ingest/README.md), read as a bureau's
would be, and checked against pysdmx, an independent SDMX implementation, where one exists."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pysdmx.io import read_sdmx

from ingest.errors import ReleaseError
from ingest.formats.preview import read_preview
from ingest.registry import Source
from tests.ingest.conftest import FIXTURES, make_source

REAL = FIXTURES / "real"
TODAY = date(2026, 6, 30)


def sdmx_source(location: str, options: dict[str, Any], indicators: list[dict[str, Any]]) -> Source:
    return make_source(
        id="agency_feed",
        format="sdmx_csv",
        location=location,
        release={"frequency": "annual", "description": "年度", "first_period": "1985-01"},
        excel_report=None,
        sdmx_csv=options,
        indicators=indicators,
    )


OECD = sdmx_source(
    "oecd/g20_prices.csv",
    {
        "structure_id": "OECD.SDD.TPS:DSD_G20_PRICES@DF_G20_PRICES(1.0)",
        "series": [
            {
                "key": {"MEASURE": "CPI", "TRANSFORMATION": "GY"},
                "indicator": "居民消费价格",
                "measure": "ytd_growth_pct",
            }
        ],
        "regions": {"CHN": "cn"},
        "units": {"PA": "%"},
    },
    [{"label": "居民消费价格", "code": "cpi_growth"}],
)


def test_sdmx_csv_1_0_from_the_oecd_agrees_with_pysdmx() -> None:
    """Finding 6: SDMX-CSV 1.0 (DATAFLOW first, no ACTION), the default of many agencies' bulk files."""
    path = REAL / "oecd_g20_prices_chn.csv"
    figures = read_preview(path.read_bytes(), OECD, "g20_prices.csv", today=TODAY).figures
    ours = {f.period_year: f.value for f in figures}
    theirs = read_sdmx(str(path)).data[0].data
    assert ours == {int(y): float(v) for y, v in zip(theirs["TIME_PERIOD"], theirs["OBS_VALUE"], strict=True)}
    assert len(ours) == 41 and ours[1998] == -0.8 and ours[2025] == 0.0
    assert {(f.region_code, f.measure, f.period_start_month, f.period_end_month) for f in figures} == {
        ("cn", "ytd_growth_pct", 1, 12)
    }


def test_sdmx_csv_2_0_with_a_structure_header_variant_reads_the_same_figures() -> None:
    """`STRUCTURE[;]` (as the IMF sends it) names the delimiter inside multi-valued attributes; the
    columns stay comma-separated. The same OECD figures in 2.0 form read the same as in 1.0."""
    v1 = read_preview((REAL / "oecd_g20_prices_chn.csv").read_bytes(), OECD, "g20_prices.csv", today=TODAY)
    v2 = read_preview((REAL / "oecd_g20_prices_chn_v2.csv").read_bytes(), OECD, "g20_prices.csv", today=TODAY)
    assert [(f.key, f.value) for f in v2.figures] == [(f.key, f.value) for f in v1.figures]
    assert len(v2.figures) == 41


BIS = sdmx_source(
    "bis/der.csv",
    {
        "structure_id": "BIS:BIS_DER(1.0)",
        "region_dimension": "DER_REP_CTY",
        "series": [
            {
                "key": {"DER_CURR_LEG1": "HKD", "DER_CURR_LEG2": "USD"},
                "indicator": "港元对美元衍生品",
                "measure": "level",
            }
        ],
    },
    [{"label": "港元对美元衍生品", "code": "hkd_usd", "unit": "百万美元"}],
)


def test_a_real_file_with_a_field_missing_in_every_row_is_rejected_not_shifted() -> None:
    """The BIS sample kept in pysdmx's tests has 22 fields per row under a 23-field header. pandas (and so
    pysdmx) shifts every value one column left, so TIME_PERIOD reads 'K' and OBS_VALUE is empty; a strict
    reader says where the file is wrong."""
    path = REAL / "bis_der_v2_action.csv"
    shifted = read_sdmx(str(path)).data[0].data
    assert set(shifted["TIME_PERIOD"]) == {"K"}  # what a lenient reader makes of it
    with pytest.raises(ReleaseError) as err:
        read_preview(path.read_bytes(), BIS, "der.csv", today=TODAY)
    assert (
        "row=2" in str(err.value)
        and "row has 22 fields" in str(err.value)
        and "expected 23 fields" in str(err.value)
    )


def nbs_source() -> Source:
    return make_source(
        id="nbs_cpi",
        format="nbs_json",
        location="nbs/cpi_{year}{month:02d}.json",
        release={"frequency": "monthly", "description": "每月中旬", "first_period": "2019-01"},
        excel_report=None,
        nbs_json={
            "zb": {
                "A01010307": {
                    "indicator": "鲜菜类居民消费价格指数",
                    "measure": "month_growth_pct",
                    "name": "鲜菜类居民消费价格指数(上年同月=100)",
                },
                "A01010308": {"indicator": "鲜果类居民消费价格指数", "measure": "month_growth_pct"},
            }
        },
        indicators=[
            {"label": "鲜菜类居民消费价格指数", "code": "cpi_vegetables_yoy", "index_base": 100},
            {"label": "鲜果类居民消费价格指数", "code": "cpi_fruit_yoy", "index_base": 100},
        ],
    )


def test_a_real_nbs_portal_answer_with_indices_on_last_year() -> None:
    """The portal's 上年同月=100 indices load as growth (index - 100); hasdata=false stays missing."""
    content = (REAL / "nbs_cpi_categories_yoy.json").read_bytes()
    figures = read_preview(content, nbs_source(), "cpi_201909.json", today=TODAY).figures
    veg = {
        (f.period_year, f.period_end_month): f.value
        for f in figures
        if f.indicator_code == "cpi_vegetables_yoy"
    }
    assert veg[(2019, 4)] == pytest.approx(17.4) and veg[(2019, 8)] == pytest.approx(-0.8)
    assert veg[(2019, 9)] is None  # hasdata false: the portal sent 0
    assert len(veg) == 13 and {f.value_raw for f in figures if f.period_end_month == 4} == {"117.4", "111.9"}
    assert {f.indicator_code for f in figures} == {"cpi_vegetables_yoy", "cpi_fruit_yoy"}  # 水产品 not taken
