"""The raw layer: one writer at a time (and it says who), withdraw and reprocess without deleting anything,
every figure accounted for, and raw files of the first layout moved to this one."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.errors import UsageError
from ingest import raw_store
from ingest.formats.maintenance import reprocess_source
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.raw_store import RawStoreBusy
from ingest.registry import Source
from tests.ingest.conftest import REPO, csv_source

TODAY = date(2024, 10, 20)
ROWS = (
    "统计期,指标,单位,累计值,累计增长(%)\n"
    "{y}年1-2月,实际利用外资,亿美元,0.15,-8.2\n"
    "{y}年1-2月,市外内资,亿元,33.1,15.1\n"
    "{y}年1-2月,失业人员再就业,人,120,—\n"
)


def _source(**update: object) -> Source:
    data = csv_source().model_dump() | {
        "release": {**csv_source().release.model_dump(), "first_period": "2023-01"}
    }
    return Source.model_validate(data | update)


def _load_two_years(paths: IngestPaths, source: Source | None = None) -> None:
    folder = paths.data_root / "commerce"
    folder.mkdir(parents=True, exist_ok=True)
    for y in (2023, 2024):
        (folder / f"swj_{y}.csv").write_text(ROWS.format(y=y), encoding="utf-8")
    result = ingest_source(source or _source(), paths, date(2024, 3, 1), today=TODAY)
    assert result.status == "loaded", result.rejected


def _rows(paths: IngestPaths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        return con.execute(sql).fetchall()


HOLD = """
import sys, time
from pathlib import Path
from ingest import raw_store
with raw_store.connect(Path(sys.argv[1]), "the nightly run (test)"):
    print("holding", flush=True)
    time.sleep(30)
"""


def test_a_second_writer_fails_at_once_and_says_who_holds_the_file(ingest_paths: IngestPaths) -> None:
    """Issue 14: a busy raw file made the night fail slowly (490 s) with a misleading summary."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ingest_paths.raw_db)], stdout=subprocess.PIPE, cwd=REPO, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(RawStoreBusy) as err, raw_store.connect(ingest_paths.raw_db):
            pass
        assert time.monotonic() - started < 2.0
        assert f"pid {holder.pid}" in str(err.value) and "the nightly run (test)" in str(err.value)
        assert err.value.retryable  # another writer finishes; the orchestrator may try again later
    finally:
        holder.kill()
        holder.wait()
    with raw_store.connect(ingest_paths.raw_db):  # a killed holder leaves no stale lock
        pass


def test_a_reader_holding_the_file_is_named_too(ingest_paths: IngestPaths) -> None:
    with raw_store.connect(ingest_paths.raw_db):
        pass
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb,sys,time; c=duckdb.connect(sys.argv[1], read_only=True); "
         "print('open', flush=True); time.sleep(30)", str(ingest_paths.raw_db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        with (
            pytest.raises(RawStoreBusy, match="open in another program"),
            raw_store.connect(ingest_paths.raw_db),
        ):
            pass
    finally:
        reader.kill()
        reader.wait()


def test_every_figure_read_is_loaded_or_skipped_with_a_reason(ingest_paths: IngestPaths) -> None:
    _load_two_years(ingest_paths)
    loads = _rows(ingest_paths, "select figures_read, row_count, figures_skipped from releases order by all")
    assert loads == [(6, 4, 2), (6, 4, 2)]  # 3 rows × 2 value columns; 失业人员再就业 is no indicator of ours
    skips = _rows(ingest_paths, "select reason, figures, example from release_skips order by all")
    assert skips == [("label not in the registry", 2, "失业人员再就业")] * 2


def test_withdrawing_a_release_keeps_it_as_history(ingest_paths: IngestPaths) -> None:
    _load_two_years(ingest_paths)
    sha = _rows(ingest_paths, "select sha256 from releases where location like '%2024%'")[0][0]
    with raw_store.connect(ingest_paths.raw_db) as con:
        with pytest.raises(UsageError, match="first 8 characters"):
            raw_store.withdraw(con, "commerce_test", sha[:4], "typo")
        with pytest.raises(UsageError, match="no loaded release"):
            raw_store.withdraw(con, "commerce_test", "0" * 64, "typo")
        info = raw_store.withdraw(con, "commerce_test", sha[:10], "figures restated by phone")
        assert info["sha256"] == sha and info["figures"] == 4
        with pytest.raises(UsageError, match="already withdrawn"):
            raw_store.withdraw(con, "commerce_test", sha[:10], "again")
    assert _rows(ingest_paths, "select distinct period_year from observations") == [(2023,)]
    history = _rows(
        ingest_paths, "select period_year, withdrawn_at is not null from observation_history order by 1"
    )
    assert {r for r in history} == {(2023, False), (2024, True)}
    assert _rows(
        ingest_paths, "select withdrawn_reason from release_history where sha256 = '" + sha + "'"
    ) == [("figures restated by phone",)]
    result = ingest_source(_source(), ingest_paths, date(2024, 3, 1), today=TODAY)
    assert result.releases_new == 0  # a withdrawn release stays withdrawn: the nightly does not load it again


def test_reprocess_applies_a_corrected_mapping_to_loaded_releases(ingest_paths: IngestPaths) -> None:
    """Finding 4: correcting a mapping left the old rows in raw and blocked every publish."""
    wrong = _source(
        indicators=[
            {"label": "实际利用外资", "code": "domestic_capital_external", "unit": "亿美元"},
            {"label": "市外内资", "code": "fdi_actual", "unit": "亿元"},
        ]
    )
    _load_two_years(ingest_paths, wrong)
    corrected = _source()
    done = reprocess_source(corrected, ingest_paths, today=TODAY)
    assert [(r.figures_before, r.figures_after) for r in done] == [(4, 4), (4, 4)]
    current = _rows(
        ingest_paths,
        "select distinct indicator_code, unit_raw from observations where measure = 'ytd_value' order by 1",
    )
    assert current == [("domestic_capital_external", "亿元"), ("fdi_actual", "亿美元")]
    assert _rows(ingest_paths, "select count(*) from observation_history where withdrawn_at is not null") == [
        (8,)
    ]
    assert _rows(ingest_paths, "select count(*), count(distinct sha256) from releases") == [(2, 2)]


def test_reprocess_is_all_or_nothing(ingest_paths: IngestPaths) -> None:
    _load_two_years(ingest_paths)
    before = _rows(ingest_paths, "select * from observations order by all")
    broken = _source(
        csv_table={
            **csv_source().options.model_dump(),
            "columns": {"累计值": "ytd_value", "增长率": "ytd_growth_pct"},
        }
    )
    with pytest.raises(Exception, match="columns missing or renamed: 增长率"):
        reprocess_source(broken, ingest_paths, today=TODAY)
    assert _rows(ingest_paths, "select * from observations order by all") == before


OLD_LAYOUT = """
create table releases (source_id varchar not null, sha256 varchar not null, location varchar not null,
    landing_path varchar not null, size_bytes bigint not null, fetched_at timestamptz not null,
    release_date date not null, load_id varchar not null, loaded_at timestamptz not null,
    row_count integer not null, primary key (source_id, sha256));
create table observations (source_id varchar not null, indicator_code varchar not null,
    region_code varchar not null, period_year integer not null, period_start_month integer not null,
    period_end_month integer not null, measure varchar not null, value double, value_raw varchar,
    unit varchar not null, unit_raw varchar not null, unit_multiplier double not null, label_raw varchar not null,
    file_sheet varchar, file_row integer not null, sha256 varchar not null, release_date date not null,
    load_id varchar not null, loaded_at timestamptz not null);
insert into releases values ('s', 'abc', 'x/1.csv', 's/abc.csv', 10, '2024-03-01', '2024-03-15', 'l1', '2024-03-01', 2);
insert into observations values
  ('s', 'fdi_actual', 'district', 2024, 1, 2, 'ytd_value', 0.15, '0.15', 'usd', '亿美元', 1e8, '实际利用外资', null, 2, 'abc', '2024-03-15', 'l1', '2024-03-01'),
  ('s', 'fdi_actual', 'district', 2024, 1, 2, 'ytd_growth_pct', -8.2, '-8.2', 'percent', '%', 1, '实际利用外资', null, 2, 'abc', '2024-03-15', 'l1', '2024-03-01');
"""


def test_a_raw_file_of_the_first_layout_moves_to_this_one(tmp_path: Path) -> None:
    path = tmp_path / "raw.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(OLD_LAYOUT)  # the first layout, before obs_status was added
    with raw_store.connect(path) as con:
        rows = con.execute(
            "select indicator_code, measure, value, value_raw, unit_raw, obs_status, sha256 from observations order by all"
        ).fetchall()
        assert rows == [
            ("fdi_actual", "ytd_growth_pct", -8.2, "-8.2", "%", None, "abc"),
            ("fdi_actual", "ytd_value", 0.15, "0.15", "亿美元", None, "abc"),
        ]
        assert con.execute("select sha256, row_count, figures_read from releases").fetchall() == [
            ("abc", 2, 2)
        ]
        assert con.execute("select nextval('release_no_seq')").fetchall() == [(2,)]
    with raw_store.connect(path):  # and only once
        pass
