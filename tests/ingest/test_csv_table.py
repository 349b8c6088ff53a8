"""CSV exports in UTF-8, UTF-8 with BOM and GBK: decoded strictly, never loaded as mojibake."""

from __future__ import annotations

import pytest

from ingest.errors import ReleaseError
from ingest.formats.preview import read_preview
from ingest.normalise import Period
from tests.ingest.conftest import csv_source

TEXT = (
    "统计期,指标,单位,累计值,累计增长(%)\r\n"
    "2024年1-2月,实际利用外资,亿美元,0.15,-8.2\r\n"
    '2024年1-2月,市外内资,亿元,"33,160.50",15.1\r\n'
    "2024年1-3月,实际利用外资,亿美元,0.28,—\r\n"
    "2024年1-3月,市外内资,亿元,52.1,14.9\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("utf-8", "auto"),
        ("utf-8", "utf-8"),
        ("utf-8-sig", "auto"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "auto"),
        ("gbk", "gbk"),
        ("gb18030", "gb18030"),
    ],
)
def test_encodings_decode_to_the_same_records(encoding: str, declared: str) -> None:
    parsed = read_preview(TEXT.encode(encoding), csv_source(encoding=declared), "swj_2024.csv")
    values = {(r.indicator_code, r.period, r.measure): r.value for r in parsed.figures}
    assert values[("domestic_capital_external", Period(2024, 1, 2), "ytd_value")] == 33160.5
    assert values[("fdi_actual", Period(2024, 1, 2), "ytd_growth_pct")] == -8.2
    assert values[("fdi_actual", Period(2024, 1, 3), "ytd_growth_pct")] is None
    assert {r.label_raw for r in parsed.figures} == {"实际利用外资", "市外内资"}  # no mojibake anywhere


def test_rows_carry_line_numbers_and_units_as_published() -> None:
    parsed = read_preview(TEXT.encode("utf-8"), csv_source(), "swj_2024.csv")
    fdi = next(r for r in parsed.figures if r.indicator_code == "fdi_actual" and r.measure == "ytd_value")
    assert (fdi.file_row, fdi.unit_raw, fdi.unit, fdi.unit_multiplier) == (2, "亿美元", "usd", 1e8)


def test_gbk_declared_as_utf8_fails_loudly() -> None:
    with pytest.raises(ReleaseError) as err:
        read_preview(TEXT.encode("gbk"), csv_source(encoding="utf-8"), "swj_2024.csv")
    assert "cannot be decoded" in str(err.value)
    assert "source=commerce_test" in str(err.value) and "file=swj_2024.csv" in str(err.value)


def test_utf8_declared_as_gbk_never_loads_mojibake() -> None:
    # UTF-8 bytes often happen to be valid GB18030 too: the decoded header then misses the configured
    # column names, and that is what rejects the file.
    with pytest.raises(ReleaseError, match="cannot be decoded|columns missing"):
        read_preview(TEXT.encode("utf-8"), csv_source(encoding="gbk"), "swj_2024.csv")


def test_region_and_semicolon_delimiter() -> None:
    text = (
        "地区;统计期;指标;单位;累计值;累计增长(%)\n"
        "330211;2024-03;实际利用外资;亿美元;0.3;1.0\n"
        "330211;2024-03;市外内资;亿元;52.1;14.9\n"
    )
    source = csv_source(delimiter=";", region_column="地区")
    parsed = read_preview(text.encode("utf-8"), source, "swj_2024.csv")
    assert {r.region_code for r in parsed.figures} == {"330211"}
    # a single month label on a 累计 column means the year to date
    assert {r.period for r in parsed.figures if r.measure == "ytd_value"} == {Period(2024, 1, 3)}
