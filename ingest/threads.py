"""DuckDB's threads while a release loads: one for a small file, the connection's own for a large one.

A release runs about thirty statements on the raw connection, several of them with windows and joins.
On a small release (the samples' releases are a few dozen to a few thousand rows) a statement's cost is
DuckDB setting up its operators and threads, not rows, and a second thread adds to it: a statement of
the series decisions over 60 rows took 5.2-5.8 ms on one thread and 7.0-7.2 ms on two. Five sample
sources' 115 releases, loaded in one process into fresh raw files with the setting alternating, four
rounds each (2-core machine, 2026-12-03): medians of 11.9 s and 10.8 CPU seconds on one thread, 13.3 s
and 13.3 CPU seconds on two. All 13 sources' 363 releases the same way: 29.7 s / 26.7 CPU s against
30.5 / 28.8 (the 200 bureau returns are mostly Python's work). A large release keeps every thread:
DuckDB reads a 5-million-row CSV about twice as fast on two, and the 300,000 series of a 100,000-row
统计月报 (a 2.8 MB .xlsx) took 5.5 s on one thread against 4.2 s on two.

The file's size decides, before it is read, so that the read of a small file is on one thread too
(deciding on the rows found, after the read, showed no gain in the one noisy comparison it had). The
setting is the database's, not the transaction's: it is put back after each release.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

# a CSV of a few thousand figures, an .xlsx of some ten thousand: the sample releases are a few KB each
SMALL_RELEASE_BYTES = 256 * 1024


def threads_of(con: duckdb.DuckDBPyConnection) -> int:
    """The connection's DuckDB threads setting."""
    row = con.execute("select current_setting('threads')").fetchone()
    assert row is not None  # a setting always has a value
    return int(row[0])


@contextlib.contextmanager
def release_threads(con: duckdb.DuckDBPyConnection, size_bytes: int) -> Iterator[None]:
    """One DuckDB thread for the statements of a release whose file is smaller than SMALL_RELEASE_BYTES,
    and the connection's own setting back afterwards, whatever happened."""
    if size_bytes >= SMALL_RELEASE_BYTES:
        yield
        return
    threads = threads_of(con)
    con.execute("set threads = 1")
    try:
        yield
    finally:  # a connection DuckDB invalidated cannot take it back; the release's own error is what counts
        with contextlib.suppress(duckdb.Error):
            con.execute(f"set threads = {threads}")
