"""A small release is read, decided and loaded on one DuckDB thread, a large one on all; the connection
gets its setting back after each release."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest import pipeline, raw_store
from ingest.formats import engine
from ingest.paths import IngestPaths
from ingest.pipeline import fetch_source, load_source
from ingest.registry import load_registry
from ingest.sandbox import ParseSandbox
from ingest.threads import SMALL_RELEASE_BYTES, release_threads, threads_of
from tests.conftest import REPO, SAMPLES


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set threads = 3")
    return con


def test_a_small_release_runs_on_one_thread_and_the_setting_comes_back(
    con: duckdb.DuckDBPyConnection,
) -> None:
    with release_threads(con, SMALL_RELEASE_BYTES - 1):
        assert threads_of(con) == 1
    assert threads_of(con) == 3


def test_a_large_release_keeps_every_thread(con: duckdb.DuckDBPyConnection) -> None:
    with release_threads(con, SMALL_RELEASE_BYTES):
        assert threads_of(con) == 3
    assert threads_of(con) == 3


def test_a_failed_release_gives_the_threads_back(con: duckdb.DuckDBPyConnection) -> None:
    """As the pipeline fails a release: its transaction rolled back, then the error raised."""
    with pytest.raises(duckdb.ConversionException), release_threads(con, 10):
        con.execute("begin transaction")
        try:
            con.execute("select cast('x' as integer)")
        finally:
            con.execute("rollback")
    assert threads_of(con) == 3


def test_a_connection_that_cannot_take_the_setting_back_still_raises_the_release_error(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("begin transaction")
    with pytest.raises(duckdb.ConversionException, match="x"), release_threads(con, 10):
        con.execute("select cast('x' as integer)")  # the transaction is aborted: no SET until rollback


def test_a_source_loaded_on_a_shared_raw_connection_parses_on_one_thread_and_leaves_it_its_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nightly load passes one raw connection to every source: each small release is parsed and
    loaded on one thread, and none leaves the next source, or the raw fingerprint after them, on it."""
    seen: list[int] = []

    def parse_release(con: duckdb.DuckDBPyConnection, *args: Any, **kwargs: Any) -> Any:
        seen.append(threads_of(con))
        return engine.parse_release(con, *args, **kwargs)

    monkeypatch.setattr(pipeline, "parse_release", parse_release)
    source = load_registry(REPO / "config" / "sources")["human_resources_employment"]
    paths = IngestPaths(SAMPLES, tmp_path / "landing", tmp_path / "quarantine", tmp_path / "raw.duckdb")
    fetched = fetch_source(source, paths, date(2024, 3, 1))
    with raw_store.connect(paths.raw_db) as con, ParseSandbox() as sandbox:
        con.execute("set threads = 3")
        result = load_source(source, paths, fetched, con=con, sandbox=sandbox)
        assert result.releases_new >= 3 and not result.rejected
        assert seen == [1] * result.releases_new
        assert threads_of(con) == 3
