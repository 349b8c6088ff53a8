"""Bad releases: each is rejected whole with a message a person can act on, and nothing is lost.

Every case runs through the pipeline: a good release is loaded first, then the bad one arrives. The bad one
must be quarantined with its reason, the raw layer must be unchanged, and the message must name the
source, the file, where in the file (sheet, row, column) and what was expected.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from ingest.errors import ReleaseError
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import Limits, Source
from tests.ingest.conftest import FIXTURES, REPORT_MERGES, csv_source, make_source, report_rows, xlsx_bytes
from tests.ingest.test_nbs_json import nbs_source
from tests.ingest.test_sdmx_csv import sdmx_source

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


# -- issue 14: every value finite, typed and accounted for; bounded parsing ------------------------------


def _error_cell_report() -> bytes:
    """A 统计月报 whose 累计 cell is Excel's #DIV/0! (calamine returns it as an empty string)."""
    wb = load_workbook(BytesIO(_full_report()))
    ws = wb["主要经济指标"]
    ws["C4"].value = "#DIV/0!"
    ws["C4"].data_type = "e"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _far_cell() -> bytes:
    """A tiny workbook with one cell at XFD1048576: a reader that trusts it allocates 16,384 × 1,048,576."""
    rows = report_rows(period="1-3月")
    wb = load_workbook(BytesIO(xlsx_bytes(rows, REPORT_MERGES)))
    wb["主要经济指标"]["XFD1048576"] = 1
    buf = BytesIO()
    wb.save(buf)
    assert len(buf.getvalue()) < 8 * 1024
    return buf.getvalue()


def _corrupt_deflate() -> bytes:
    """The sheet's compressed stream damaged in the middle; the zip directory still reads."""
    data = bytearray(_full_report())
    with zipfile.ZipFile(BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + min(info.compress_size, 60)):
        data[i] ^= 0x5A
    return bytes(data)


def _multi_month_csv(third_label: str) -> bytes:
    """Every month so far in one file; the 1-3月 row of 实际利用外资 carries `third_label`."""
    lines = ["统计期,指标,单位,累计值,累计增长(%)"]
    for m in (2, 3, 4):
        label = third_label if m == 3 else "实际利用外资"
        lines += [f"2024年1-{m}月,{label},亿美元,0.{m}5,-8.2", f"2024年1-{m}月,市外内资,亿元,3{m}.1,15.1"]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def _count_case(bad_value: str, *expect: str) -> Case:
    source = make_source(
        id="stats_test",
        format="csv_table",
        location="commerce/qy_{year}.csv",
        release={"frequency": "monthly", "description": "每月", "first_period": "2023-01"},
        excel_report=None,
        csv_table={"period_column": "统计期", "label_column": "指标", "unit_column": "单位",
                   "columns": {"累计": "count_ytd", "同比增长(%)": "ytd_growth_pct"}},
        indicators=[{"label": "新增市场主体", "code": "new_market_entities", "unit": "家"}],
    )  # fmt: skip
    text = "统计期,指标,单位,累计,同比增长(%)\n{y}年1-2月,新增市场主体,家,{v},{g}\n"
    return Case(
        source,
        ("commerce/qy_2023.csv", text.format(y=2023, v=120, g=3.0).encode()),
        (
            "commerce/qy_2024.csv",
            text.format(y=2024, v=bad_value.split("|")[0], g=bad_value.split("|")[1]).encode(),
        ),
        date(2024, 3, 1),
        ("source=stats_test", "file=qy_2024.csv", *expect),
    )


def _json_case(mutate: Callable[[dict], None], *expect: str, raw: bytes | None = None) -> Case:
    good = (FIXTURES / "nbs_rd_quarterly.json").read_bytes()
    doc = json.loads(good)
    mutate(doc)
    return Case(
        nbs_source(),
        ("stats_api/rd_2024.json", good),
        ("stats_api/rd_2024.json", raw if raw is not None else json.dumps(doc, ensure_ascii=False).encode()),
        date(2024, 9, 1),
        ("source=stats_rd_api", "file=rd_2024.json", *expect),
    )


def _limited(case: Case, limits: Limits) -> Case:
    """The case with the source's limits set (in the registry: a `limits:` block)."""
    return Case(
        case.source.model_copy(update={"limits": limits}), case.good, case.bad, case.as_of, case.expect
    )


def _inflating() -> bytes:
    """A small workbook whose extra sheet inflates to half a megabyte (a mild zip bomb)."""
    wb = load_workbook(BytesIO(_full_report()))
    notes = wb.create_sheet("说明")
    for row in range(1, 21):
        notes.cell(row, 1, f"{row}" + "注" * 30_000)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _node(doc: dict, code: str) -> dict:
    return next(n for n in doc["returndata"]["datanodes"] if n["code"] == code)


def _set(doc: dict, code: str, **data: object) -> None:
    _node(doc, code)["data"].update(data)


SDMX_GOOD = (FIXTURES / "sdmx_tourism.csv").read_bytes()


def _sdmx_case(bad: bytes, *expect: str) -> Case:
    return Case(
        sdmx_source(),
        ("tourism/sdmx_2024.csv", SDMX_GOOD),
        ("tourism/sdmx_2024.csv", bad),
        date(2024, 9, 1),
        ("source=culture_tourism_sdmx", "file=sdmx_2024.csv", *expect),
    )


ISSUE_14: dict[str, Callable[[], Case]] = {
    "xlsx 1e301 overflows a number once scaled": lambda: _xlsx_case(
        _full_report(iva=1e301),
        "row=4",
        "column=C",
        "not a finite number in yuan",
        "expected a finite figure",
    ),
    "xlsx Excel error cell": lambda: _xlsx_case(
        _error_cell_report(), "row=4", "column=C", "'#DIV/0!' is an Excel error cell", "expected a number"
    ),
    "xlsx a cell at XFD1048576": lambda: _xlsx_case(
        _far_cell(), "reaches row 1,048,576 and column 16,384", "expected at most"
    ),
    "xlsx corrupt deflate stream": lambda: _xlsx_case(_corrupt_deflate(), "not a readable .xlsx workbook"),
    "xlsx title of another year (October file titled 2023)": lambda: _xlsx_case(
        xlsx_bytes(report_rows(period="1-3月", year=2023), REPORT_MERGES),
        "the newest period in the file is 2023年1-3月",
        "release for 2024-03 by its location",
    ),
    "csv the string NaN": lambda: _csv_case(
        GOOD_CSV.replace("0.15", "NaN").encode("gbk"), "row=2", "column=累计值", "not a finite number"
    ),
    "csv a label mistyped in one month": lambda: _csv_case(
        _multi_month_csv("实际利用外贸"),
        "实际利用外资 (ytd_value) has no figure for 2024年3月",
        "labels that matched nothing: '实际利用外贸'",
    ),
    "csv a NUL byte in one month's label": lambda: _csv_case(
        _multi_month_csv("实际利用\x00外资"), "实际利用外资 (ytd_value) has no figure for 2024年3月"
    ),
    "csv a negative count": lambda: _count_case(
        "-3|1.0", "row=2", "-3 is out of range for 新增市场主体", "from 0"
    ),
    "csv growth below -100 %": lambda: _count_case("12|-130", "row=2", "-130 is out of range", "from -100"),
    "json NaN with hasdata true": lambda: _json_case(
        lambda d: _set(d, "zb.A0F0101_reg.330211_sj.2024A", data=float("nan"), strdata=""),
        "hasdata is true but the value is nan",
    ),
    "json hasdata as a string": lambda: _json_case(
        lambda d: _set(d, "zb.A0F0101_reg.330211_sj.2024A", hasdata="false"),
        "hasdata is 'false'",
        "a JSON boolean",
    ),
    "json nested 200,000 deep": lambda: _json_case(
        lambda d: None,
        "JSON nested 200,001 levels deep",
        "limits.max_json_depth",
        raw=b'{"returncode": 200, "returndata": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    ),
    "sdmx 1e999": lambda: _sdmx_case(
        SDMX_GOOD.replace(b"38.62,CNY,8", b"1e999,CNY,8"), "row=2", "not a finite number"
    ),
    "sdmx UNIT_MULT 400": lambda: _sdmx_case(
        SDMX_GOOD.replace(b"38.62,CNY,8", b"38.62,CNY,400"), "row=2", "UNIT_MULT 400 is outside"
    ),
    "sdmx ACTION=D for a key never loaded": lambda: _sdmx_case(
        SDMX_GOOD + b"dataflow,ZJ_STATS:DF_COUNTY_TOURISM(1.0),D,330211,TOUR_REV,YTD,2024-Q3,,CNY,8,,\n",
        "row=8",
        "column=ACTION",
        "never loaded",
    ),
    "csv a line without line breaks": lambda: _limited(
        _csv_case(
            (GOOD_CSV + "2024年1-2月," + "外" * 40_000 + ",亿元,1,1\r\n").encode("gbk"),
            "a line runs",
            "limits.max_line_bytes",
        ),
        Limits(max_line_bytes=16 * 1024),
    ),
    "xlsx inflating beyond the limit": lambda: _limited(
        _xlsx_case(_inflating(), "the workbook inflates to", "limits.max_unzipped_bytes"),
        Limits(max_unzipped_bytes=256 * 1024),
    ),
}
CASES.update(ISSUE_14)


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


def test_a_release_over_the_source_size_limit_is_refused_before_it_is_read() -> None:
    from ingest.formats.preview import read_preview

    source = csv_source().model_copy(update={"limits": Limits(max_bytes=100)})
    content = GOOD_CSV.encode("gbk") * 3
    with pytest.raises(
        ReleaseError, match=r"the file is 3\d\d bytes; expected at most 100 bytes \(limits.max_bytes"
    ):
        read_preview(content, source, "swj_2024.csv", today=TODAY)


def test_the_limits_block_is_read_from_the_registry_with_defaults(tmp_path: Path) -> None:
    from ingest.registry import load_source

    entry = make_source().model_dump() | {"limits": {"max_bytes": 5_000_000, "max_json_depth": 32}}
    path = tmp_path / "stats_test.yml"
    path.write_text(__import__("yaml").safe_dump(entry, allow_unicode=True), encoding="utf-8")
    limits = load_source(path).limits
    assert (limits.max_bytes, limits.max_json_depth, limits.max_rows) == (5_000_000, 32, Limits().max_rows)
