"""End to end for one source: landing, parse, raw load, vintages, quarantine."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingest.landing import Landing
from ingest.paths import IngestPaths
from ingest.pipeline import FetchResult, fetch_source, ingest_source, load_source
from tests.ingest.conftest import csv_source, make_source

TODAY = date(2024, 10, 20)
AS_OF = date(2024, 3, 1)


def _write(paths: IngestPaths, rel: str, content: bytes) -> Path:
    path = paths.data_root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _count(paths: IngestPaths, table: str, where: str = "true") -> int:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        row = con.execute(f"select count(*) from {table} where {where}").fetchone()
    assert row is not None
    return int(row[0])


def _stats_releases(paths: IngestPaths, build: Callable[..., bytes]) -> None:
    _write(paths, "stats/2024/tjyb_202402.xlsx", build(period="1-2月"))
    _write(paths, "stats/2024/tjyb_202403.xlsx", build(period="1-3月"))


def test_loads_every_release_once(ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]) -> None:
    _stats_releases(ingest_paths, report_xlsx)
    result = ingest_source(make_source(), ingest_paths, AS_OF, today=TODAY)
    assert (result.releases_new, result.rows_loaded, result.status) == (2, 12, "loaded")
    assert _count(ingest_paths, "releases") == 2
    assert _count(ingest_paths, "observations") == 12
    # every fetched file is kept untouched in landing, named by its sha256
    kept = sorted(p for p in (ingest_paths.landing / "stats_test").glob("*.xlsx"))
    assert len(kept) == 2
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        dates = {r[0] for r in con.execute("select distinct release_date from releases").fetchall()}
    assert dates == {date(2024, 4, 15)}  # from the 发布日期 footnote, not the day it was fetched


def test_reloading_an_unchanged_release_adds_nothing(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    _stats_releases(ingest_paths, report_xlsx)
    ingest_source(make_source(), ingest_paths, AS_OF, today=TODAY)
    again = ingest_source(make_source(), ingest_paths, AS_OF, today=TODAY)
    assert (again.releases_new, again.releases_unchanged, again.rows_loaded, again.status) == (
        0,
        2,
        0,
        "unchanged",
    )
    assert _count(ingest_paths, "observations") == 12
    assert _count(ingest_paths, "load_log") == 2
    deliveries = {(e.sha256, e.fetched_at) for e in Landing(ingest_paths.landing).entries("stats_test")}
    assert len(deliveries) == 2  # the second run recorded no new delivery


def test_a_revised_figure_is_a_new_vintage_and_the_old_one_is_kept(ingest_paths: IngestPaths) -> None:
    first = (
        "统计期,指标,单位,累计值,累计增长(%),发布日期\n2024年1-2月,实际利用外资,亿美元,0.15,-8.2,2024-03-20\n"
    )
    first += "2024年1-2月,市外内资,亿元,30.0,15.1,2024-03-20\n"
    source = csv_source(release_date_column="发布日期")
    _write(ingest_paths, "commerce/swj_2024.csv", first.encode("gbk"))
    ingest_source(source, ingest_paths, date(2024, 2, 1), today=TODAY)
    revised = first.replace("0.15,-8.2,2024-03-20", "0.17,-6.9,2024-04-20")
    _write(ingest_paths, "commerce/swj_2024.csv", revised.encode("gbk"))
    result = ingest_source(source, ingest_paths, date(2024, 2, 1), today=TODAY)
    assert result.releases_new == 1
    key = "indicator_code = 'fdi_actual' and measure = 'ytd_value' and period_end_month = 2"
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        vintages = con.execute(
            f"select value, release_date from observations where {key} order by loaded_at"
        ).fetchall()
        as_known_on = con.execute(
            f"select value from observations where {key} and release_date <= date '2024-04-01'"
            " order by release_date desc limit 1"
        ).fetchone()
    assert vintages == [(0.15, date(2024, 3, 20)), (0.17, date(2024, 4, 20))]
    assert as_known_on == (0.15,)  # "what did we know on 1 April" still has its answer


def test_a_bad_release_is_quarantined_and_the_rest_still_loads(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    _write(ingest_paths, "stats/2024/tjyb_202402.xlsx", report_xlsx(period="1-2月"))
    _write(ingest_paths, "stats/2024/tjyb_202403.xlsx", report_xlsx(period="1-3月", iva="一百五十左右"))
    result = ingest_source(make_source(), ingest_paths, AS_OF, today=TODAY)
    assert (result.releases_new, len(result.rejected), result.status) == (1, 1, "rejected")
    assert "row=4" in result.rejected[0] and "column=C" in result.rejected[0]
    assert _count(ingest_paths, "releases") == 1
    assert _count(ingest_paths, "observations", "period_end_month = 3 and measure <> 'month_value'") == 0
    reasons = list((ingest_paths.quarantine / "stats_test").glob("*/REASON.txt"))
    assert len(reasons) == 1
    assert "tjyb_202403.xlsx" in reasons[0].read_text(encoding="utf-8")
    assert (reasons[0].parent / "tjyb_202403.xlsx").is_file()
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        log = con.execute("select status, releases_rejected, message from load_log").fetchone()
    assert log is not None and log[0] == "rejected" and log[1] == 1 and "not a number" in log[2]

    # another source in the same raw file still loads
    text = "统计期,指标,单位,累计值,累计增长(%)\n2024年1-2月,实际利用外资,亿美元,0.15,-8.2\n"
    text += "2024年1-2月,市外内资,亿元,30.0,15.1\n"
    _write(ingest_paths, "commerce/swj_2024.csv", text.encode("gbk"))
    other = ingest_source(csv_source(), ingest_paths, AS_OF, today=TODAY)
    assert other.status == "loaded" and other.rows_loaded == 4


def test_a_fixed_release_loads_after_quarantine(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    _write(ingest_paths, "stats/2024/tjyb_202402.xlsx", report_xlsx(period="1-2月", iva="坏"))
    assert ingest_source(make_source(), ingest_paths, date(2024, 2, 1), today=TODAY).status == "rejected"
    _write(ingest_paths, "stats/2024/tjyb_202402.xlsx", report_xlsx(period="1-2月"))
    assert ingest_source(make_source(), ingest_paths, date(2024, 2, 1), today=TODAY).status == "loaded"


def test_a_release_not_yet_published_is_missing_not_an_error(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    _write(ingest_paths, "stats/2024/tjyb_202402.xlsx", report_xlsx(period="1-2月"))
    result = ingest_source(make_source(), ingest_paths, AS_OF, today=TODAY)
    assert (result.releases_new, result.releases_missing, result.status) == (1, 1, "loaded")
    assert result.missing == ["stats/2024/tjyb_202403.xlsx"]


COMMERCE_FEB = (
    "统计期,指标,单位,累计值,累计增长(%)\n2024年1-2月,实际利用外资,亿美元,0.15,-8.2\n"
    "2024年1-2月,市外内资,亿元,30.0,15.1\n"
)


def _at(text: str) -> Callable[[], datetime]:
    return lambda: datetime.fromisoformat(text)


def _release_dates(paths: IngestPaths) -> list[tuple[str, date]]:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        rows = con.execute("select sha256, release_date from releases order by loaded_at").fetchall()
    return [(r[0], r[1]) for r in rows]


def test_without_a_published_date_the_fetch_day_dates_the_release(ingest_paths: IngestPaths) -> None:
    _write(ingest_paths, "commerce/swj_2024.csv", COMMERCE_FEB.encode("gbk"))
    # 18:30 UTC on 20 March is 02:30 on 21 March in the district: the district's day counts
    ingest_source(
        csv_source(), ingest_paths, date(2024, 2, 1), today=TODAY, clock=_at("2024-03-20T18:30:00+00:00")
    )
    assert [d for _, d in _release_dates(ingest_paths)] == [date(2024, 3, 21)]  # not the calendar's 03-15
    (entry,) = Landing(ingest_paths.landing).entries("commerce_test")
    assert (entry.release_date, entry.release_date_source) == ("2024-03-21", "fetched")


def test_a_redelivered_release_without_a_date_keeps_its_own_date(ingest_paths: IngestPaths) -> None:
    source = csv_source()
    _write(ingest_paths, "commerce/swj_2024.csv", COMMERCE_FEB.encode("gbk"))
    ingest_source(source, ingest_paths, date(2024, 2, 1), today=TODAY, clock=_at("2024-03-20T02:00:00+00:00"))
    revised = COMMERCE_FEB.replace("0.15,-8.2", "0.17,-6.9")
    _write(ingest_paths, "commerce/swj_2024.csv", revised.encode("gbk"))
    ingest_source(source, ingest_paths, date(2024, 2, 1), today=TODAY, clock=_at("2024-04-25T02:00:00+00:00"))

    assert [d for _, d in _release_dates(ingest_paths)] == [date(2024, 3, 20), date(2024, 4, 25)]
    key = "indicator_code = 'fdi_actual' and measure = 'ytd_value'"
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        known_on_1_april = con.execute(
            f"select value from observations where {key} and release_date <= date '2024-04-01'"
            " order by release_date desc limit 1"
        ).fetchone()
    assert known_on_1_april == (0.15,)  # the revision was not known yet on 1 April
    sources = [
        (e.release_date, e.release_date_source) for e in Landing(ingest_paths.landing).entries(source.id)
    ]
    assert sources == [("2024-03-20", "fetched"), ("2024-04-25", "fetched")]


def test_a_date_in_the_release_wins_and_the_manifest_says_so(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    _write(ingest_paths, "stats/2024/tjyb_202402.xlsx", report_xlsx(period="1-2月"))
    ingest_source(
        make_source(), ingest_paths, date(2024, 2, 1), today=TODAY, clock=_at("2024-05-02T01:00:00+00:00")
    )
    assert [d for _, d in _release_dates(ingest_paths)] == [date(2024, 4, 15)]  # 发布日期:2024年4月15日
    fetched, dated = Landing(ingest_paths.landing).entries("stats_test")
    assert (fetched.release_date, fetched.release_date_source) == ("2024-05-02", "fetched")
    assert (dated.sha256, dated.fetched_at) == (fetched.sha256, fetched.fetched_at)  # the same delivery
    assert (dated.release_date, dated.release_date_source) == ("2024-04-15", "content")


def test_fetch_and_load_are_separate_stages_that_meet_through_json(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    _stats_releases(ingest_paths, report_xlsx)
    fetched = fetch_source(make_source(), ingest_paths, AS_OF)
    assert not ingest_paths.raw_db.exists()  # fetching never opens DuckDB
    assert [(r.year, r.month, r.file_name) for r in fetched.landed] == [
        (2024, 2, "tjyb_202402.xlsx"),
        (2024, 3, "tjyb_202403.xlsx"),
    ]
    as_xcom = json.loads(json.dumps(fetched.model_dump(mode="json")))
    result = load_source(make_source(), ingest_paths, FetchResult.model_validate(as_xcom), today=TODAY)
    assert (result.releases_new, result.rows_loaded, result.status) == (2, 12, "loaded")


def test_stale_temp_files_of_a_killed_run_are_removed_at_the_next_fetch(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    _stats_releases(ingest_paths, report_xlsx)
    folder = ingest_paths.landing / "stats_test"
    folder.mkdir(parents=True)
    stale = [
        folder / "tmpa1b2c3",
        folder / ".tmp-x9",
        ingest_paths.quarantine / "stats_test" / "ab" / ".tmp-q",
    ]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a workbook")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    in_flight = folder / ".tmp-being-written"
    in_flight.write_bytes(b"another process is writing this now")
    fetch_source(make_source(), ingest_paths, AS_OF)
    assert [p for p in stale if p.exists()] == []
    assert in_flight.exists()
    assert sorted(p.suffix for p in folder.iterdir() if not p.name.startswith(".tmp")) == [
        ".jsonl",
        ".xlsx",
        ".xlsx",
    ]
