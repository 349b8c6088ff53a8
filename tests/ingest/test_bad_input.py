"""Bad releases: each is rejected whole with a message a person can act on, and nothing is lost.

Every case runs through the pipeline: a good release is loaded first, then the bad one arrives. The bad one
must be quarantined with its reason, the raw layer must be unchanged, and the message must name the
source, the file, where in the file (sheet, row, column) and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import Source
from tests.ingest.conftest import REPORT_MERGES, csv_source, make_source, report_rows, xlsx_bytes

TODAY = date(2024, 10, 20)
GOOD_CSV = (
    "统计期,指标,单位,累计值,累计增长(%)\r\n"
    "2024年1-2月,实际利用外资,亿美元,0.15,-8.2\r\n"
    '2024年1-2月,市外内资,亿元,"33,160.50",15.1\r\n'
)


@dataclass
class Case:
    source: Source
    good: tuple[str, bytes]
    bad: tuple[str, bytes]
    as_of: date
    expect: tuple[str, ...]  # fragments the message must hold


def _xlsx_case(bad: bytes, *expect: str, source: Source | None = None) -> Case:
    good = xlsx_bytes(report_rows(period="1-2月"), REPORT_MERGES)
    return Case(
        source or make_source(),
        ("stats/2024/tjyb_202402.xlsx", good),
        ("stats/2024/tjyb_202403.xlsx", bad),
        date(2024, 3, 1),
        ("source=stats_test", "file=tjyb_202403.xlsx", *expect),
    )


def _csv_case(bad_text: bytes, *expect: str) -> Case:
    # one file per year: the good release is last year's, the bad one this year's
    source = csv_source(encoding="gbk")
    source = source.model_copy(
        update={"release": source.release.model_copy(update={"first_period": "2023-01"})}
    )
    return Case(
        source,
        ("commerce/swj_2023.csv", GOOD_CSV.replace("2024", "2023").encode("gbk")),
        ("commerce/swj_2024.csv", bad_text),
        date(2024, 3, 1),
        ("source=commerce_test", "file=swj_2024.csv", *expect),
    )


def _cut(text: str, after: str, shift: int) -> bytes:
    """The GBK bytes cut just after the last occurrence of `after` (shifted by `shift` bytes)."""
    data = text.encode("gbk")
    marker = after.encode("gbk")
    return data[: data.rindex(marker) + len(marker) + shift]


def _full_report(**kw: object) -> bytes:
    return xlsx_bytes(report_rows(period="1-3月", **kw), REPORT_MERGES)  # type: ignore[arg-type]


def _renamed_header() -> bytes:
    rows = report_rows(period="1-3月")
    rows[2][3] = "增速(%)"
    return xlsx_bytes(rows, REPORT_MERGES)


def _renamed_indicator() -> bytes:
    rows = report_rows(period="1-3月")
    rows[3][0] = "规模以上工业增加值(亿元)"
    return xlsx_bytes(rows, REPORT_MERGES)


CASES: dict[str, Callable[[], Case]] = {
    "wrong encoding (UTF-8 sent, GBK declared)": lambda: _csv_case(GOOD_CSV.encode("utf-8"), "expected"),
    "wrong encoding (undecodable bytes)": lambda: _csv_case(
        GOOD_CSV.encode("gbk") + b"\xff\xfe\xff", "cannot be decoded", "expected text in gb18030"
    ),
    "csv column renamed": lambda: _csv_case(
        GOOD_CSV.replace("累计增长(%)", "增长率").encode("gbk"), "row=1", "累计增长(%)", "expected columns"
    ),
    "csv non-number": lambda: _csv_case(
        GOOD_CSV.replace("0.15", "约0.15").encode("gbk"),
        "row=2",
        "column=累计值",
        "not a number",
        "expected a number or a missing marker",
    ),
    "csv changed unit": lambda: _csv_case(
        GOOD_CSV.replace("亿美元", "万美元").encode("gbk"),
        "row=2",
        "column=累计值",
        "unit of 实际利用外资 changed",
        "expected '亿美元'",
    ),
    "csv duplicate rows": lambda: _csv_case(
        (GOOD_CSV + "2024年1-2月,市外内资,亿元,33.1,15.1\r\n").encode("gbk"),
        "row=4",
        "duplicate row",
        "first at row 3",
        "expected one row per indicator",
    ),
    "csv period in the future": lambda: _csv_case(
        GOOD_CSV.replace("1-2月", "1-11月").encode("gbk"),
        "row=2",
        "in the future",
        "expected a period ending by 2024-10",
    ),
    "csv unreadable period": lambda: _csv_case(
        GOOD_CSV.replace("2024年1-2月", "2024年春").encode("gbk"),
        "row=2",
        "column=统计期",
        "not a known form",
    ),
    "csv cut mid-row": lambda: _csv_case(
        _cut(GOOD_CSV, "亿元,", 0),
        "row=3",
        "row has 4 fields",
        "expected 5 fields",
    ),
    "csv cut inside a quoted field": lambda: _csv_case(
        _cut(GOOD_CSV, '"33,1', 0),
        "row=3",
        "malformed CSV",
        "expected complete rows",
    ),
    "csv cut inside a GBK character": lambda: _csv_case(
        _cut(GOOD_CSV, "亿元,", -2),
        "cannot be decoded",
        "byte",
    ),
    "xlsx truncated in half": lambda: _xlsx_case(
        _full_report()[: len(_full_report()) // 2], "not a readable .xlsx", "expected an Excel 2007+ workbook"
    ),
    "xlsx sheet renamed": lambda: _xlsx_case(
        xlsx_bytes(report_rows(period="1-3月"), REPORT_MERGES, sheet="Sheet1"),
        "sheet=主要经济指标",
        "not found (sheets: Sheet1)",
        "expected a sheet named",
    ),
    "xlsx header renamed": lambda: _xlsx_case(
        _renamed_header(),
        "sheet=主要经济指标",
        "matched 0 columns",
        "expected exactly one column",
    ),
    "xlsx indicator row renamed": lambda: _xlsx_case(
        _renamed_indicator(),
        "sheet=主要经济指标",
        "missing or renamed: 规上工业增加值",
        "expected rows named",
    ),
    "xlsx non-number": lambda: _xlsx_case(
        _full_report(iva="150.2亿"),
        "sheet=主要经济指标",
        "row=4",
        "column=C",
        "not a number",
        "expected a number",
    ),
    "xlsx changed unit": lambda: _xlsx_case(
        _full_report(inv_label="其中:工业投资(万元)"),
        "sheet=主要经济指标",
        "row=6",
        "column=B",
        "unit of 工业投资 changed to '万元'",
        "expected '亿元'",
    ),
    "xlsx period in the future": lambda: _xlsx_case(
        xlsx_bytes(report_rows(period="1-3月", year=2025), REPORT_MERGES),
        "sheet=主要经济指标",
        "in the future",
    ),
    "xlsx no period in the title": lambda: _xlsx_case(
        xlsx_bytes([["主要经济指标"], *report_rows()[1:]], REPORT_MERGES),
        "row=1",
        "no period found in the title",
    ),
}


def _raw_snapshot(paths: IngestPaths) -> list[tuple]:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        return con.execute("select * exclude (loaded_at) from observations order by all").fetchall()


@pytest.mark.parametrize("name", list(CASES))
def test_bad_release_is_rejected_whole_and_quarantined(name: str, ingest_paths: IngestPaths) -> None:
    case = CASES[name]()
    good_path, bad_path = (ingest_paths.data_root / case.good[0], ingest_paths.data_root / case.bad[0])
    good_path.parent.mkdir(parents=True, exist_ok=True)
    good_path.write_bytes(case.good[1])
    first = ingest_source(case.source, ingest_paths, date(2024, 2, 1), today=TODAY)
    assert first.status == "loaded", first.rejected
    before = _raw_snapshot(ingest_paths)

    bad_path.parent.mkdir(parents=True, exist_ok=True)
    bad_path.write_bytes(case.bad[1])
    result = ingest_source(case.source, ingest_paths, case.as_of, today=TODAY)

    assert result.status == "rejected" and len(result.rejected) == 1
    message = result.rejected[0]
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert _raw_snapshot(ingest_paths) == before  # nothing of the bad release was loaded
    quarantined = [
        p for p in (ingest_paths.quarantine / case.source.id).rglob("*") if p.name == Path(bad_path).name
    ]
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == case.bad[1]
    assert (quarantined[0].parent / "REASON.txt").read_text(encoding="utf-8").strip() == message


def test_xlsx_sheet_moved_to_another_position_still_loads(ingest_paths: IngestPaths) -> None:
    rows = report_rows(period="1-2月")
    content = xlsx_bytes([["封面"]], sheet="封面")
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(xlsx_bytes(rows, REPORT_MERGES)))
    wb.create_sheet("说明", 0)  # the report sheet is now the second one: found by name, not position
    buf = BytesIO()
    wb.save(buf)
    content = buf.getvalue()
    path = ingest_paths.data_root / "stats/2024/tjyb_202402.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert ingest_source(make_source(), ingest_paths, date(2024, 2, 1), today=TODAY).status == "loaded"
