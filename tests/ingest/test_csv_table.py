"""CSV exports in UTF-8, UTF-8 with BOM and GBK: decoded strictly, never loaded as mojibake."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingest.errors import ReleaseError
from ingest.formats.preview import read_preview
from ingest.normalise import Period
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from tests.ingest.conftest import csv_source

TODAY = date(2024, 10, 20)

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


def test_a_file_read_in_parallel_keeps_every_line_number(ingest_paths: IngestPaths) -> None:
    """DuckDB reads a file of several 16 MiB buffers on both cores; the engine numbers its rows by their
    place in the table they are read into. Each figure here is its own line number, so a row numbered
    out of file order shows as a figure whose file_row is not its value."""
    path = ingest_paths.data_root / "commerce" / "swj_2024.csv"
    path.parent.mkdir(parents=True)
    with duckdb.connect() as con:  # 2 labels x 8 periods x 60,000 regions: 960,000 lines, about 45 MB
        con.execute(
            f"""copy (select '2024年1-' || (2 + (i // 2) % 8) || '月' as 统计期,
                             case when i % 2 = 0 then '实际利用外资' else '市外内资' end as 指标,
                             case when i % 2 = 0 then '亿美元' else '亿元' end as 单位, 'R' || lpad((i // 16)::varchar, 6, '0') as 地区,
                             i + 2 as 累计值, '' as "累计增长(%)"
                      from range(960000) t(i)) to '{path}' (header, delimiter ',')"""
        )
    assert path.stat().st_size > 3 * (16 << 20)
    result = ingest_source(csv_source(region_column="地区"), ingest_paths, date(2024, 9, 1), today=TODAY)
    assert result.rejected == [] and result.rows_loaded == 2 * 960_000  # the empty growth column too
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        rows, misplaced, last = con.execute(
            "select count(*), count(*) filter (where value <> file_row), max(file_row)"
            " from observations where measure = 'ytd_value'"
        ).fetchone() or (0, 0, 0)
    assert (rows, misplaced, last) == (960_000, 0, 960_001)


def test_a_release_date_that_is_not_a_date_is_named_by_its_first_row() -> None:
    text = TEXT.replace("\r\n", ",2024-03-20\r\n").replace("累计增长(%),2024-03-20", "累计增长(%),发布日期")
    lines = text.split("\r\n")
    lines[3] = lines[3].replace("2024-03-20", "三月二十日")
    lines[4] = lines[4].replace("2024-03-20", "待定")
    with pytest.raises(ReleaseError) as err:
        read_preview(
            "\r\n".join(lines).encode("utf-8"), csv_source(release_date_column="发布日期"), "swj_2024.csv"
        )
    assert "row=4, column=发布日期" in str(err.value) and "'三月二十日' is not a date" in str(err.value)
    dated = read_preview(text.encode("utf-8"), csv_source(release_date_column="发布日期"), "swj_2024.csv")
    assert dated.release_date == date(2024, 3, 20)
