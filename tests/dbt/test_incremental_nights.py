"""Several nights of new statistics, each built the way the nightly builds one (dbt's selection downstream of
the raw figure tables, incremental models on their changed keys), leave the build equal, row for row, to a
`--full-refresh` build of the same raw file: every table of the intermediate and mart schemas, EXCEPT ALL
both ways. The nights bring a new month, revisions of an earlier month of this year and of last year's
December, a bureau's progress return (a revised September, accepted), a second source's figure that wins
the tie-break, and a figure repeated unchanged.

Each release is written into the raw layer's tables the way ingest loads one (ingest/raw_store.py): a load,
one series, its values; the raw views then show it as the newest load.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from planwatch.incremental import new_data_selection
from tests.conftest import Warehouse
from tests.dbt.returns_fixture import accepted, at, science_tech, write_returns
from tests.dbt.test_dbt_build import dbt_build, query


@dataclass(frozen=True)
class Release:
    """A release of one indicator × measure: the figures `where` picks of the newest load that has them,
    with `delta` added (0: repeated unchanged), optionally moved to another end month or published by
    another source."""

    sha: str
    days_after: int  # its release date, in days after the newest release of the samples
    where: str
    delta: float
    end_month: int | None = None
    source_id: str | None = None


NIGHTS = [
    [Release("night1-october", 45, "period_year = 2024 and period_start_month = 1 and period_end_month = 9", 7.0, 10)],
    [
        Release("night2-march", 50, "period_year = 2024 and period_start_month = 1 and period_end_month = 3", 1.5),
        Release("night2-last-december", 50, "period_year = 2023 and period_start_month = 1 and period_end_month = 12", 3.0),
    ],
    [
        Release(
            "night3-other-source", 55,
            "period_year = 2024 and period_start_month = 1 and period_end_month = 8 and region_code = 'district'",
            0.25, source_id="other",
        ),
        Release("night3-repeat", 55, "period_year = 2024 and period_start_month = 1 and period_end_month = 7", 0.0),
    ],
]  # fmt: skip
NO_TESTS = ("--exclude-resource-type", "test", "unit_test")
RETURN_TABLES = ["progress_returns", "progress_return_rows", "return_reviews"]


def revised_september_return(raw: Path) -> None:
    """科技局 sends September again, one more research centre, and it is accepted the next day."""
    september = next(f for f in science_tech() if f.month == 9)
    rows = {
        t: dataclasses.replace(r, value=r.value + 1) if r.value is not None else r
        for t, r in september.rows.items()
    }
    assert rows["T2024-035"].value == 9
    write_returns(raw, [dataclasses.replace(
        september, version=2, submitted=at(date(2024, 10, 8)), rows=rows, decisions=[accepted(date(2024, 10, 9))]
    )], replace=False)  # fmt: skip


INDICATOR, MEASURE = "fai_total", "ytd_value"


def load_release(con: duckdb.DuckDBPyConnection, release: Release, released: date) -> None:
    """Write one release into the raw tables as ingest would."""
    con.execute(
        f"""
        create or replace temp table picked as
        select * from observation_history
        where indicator_code = ? and measure = ? and withdrawn_at is null and {release.where}
        qualify release_no = max(release_no) over ()
        """,
        [INDICATOR, MEASURE],
    )
    (base,) = con.execute("select min(release_no) from picked").fetchone() or (None,)
    assert base is not None, f"no figures for {release}"
    source = release.source_id
    if source == "other":  # any other loaded source, as if it published the same figure
        (source,) = con.execute(
            "select min(source_id) from release_loads where source_id <> (select source_id from picked limit 1)"
        ).fetchone()  # type: ignore[misc]
    (new_no,) = con.execute("select max(release_no) + 1 from release_loads").fetchone()  # type: ignore[misc]
    con.execute(
        """
        insert into release_loads
        select ?, coalesce(?, source_id), ?, location, landing_path, size_bytes, now(), ?, ?, now(),
               1, 1, 0, null, null
        from release_loads where release_no = ?
        """,
        [new_no, source, release.sha, released, f"load-{release.sha}", base],
    )
    con.execute(
        """
        insert into release_series
        select ?, 1, indicator_code, measure, unit, unit_raw, unit_multiplier, label_raw, file_sheet
        from release_series where release_no = ? and indicator_code = ? and measure = ? limit 1
        """,
        [new_no, base, INDICATOR, MEASURE],
    )
    con.execute(
        """
        insert into observation_values
        select distinct on (region_code) ?, 1, region_code, period_year, period_start_month,
               coalesce(?, period_end_month), value + ?, null, file_row, obs_status
        from picked
        """,
        [new_no, release.end_month, release.delta],
    )


def tables(db: Path) -> list[str]:
    rows = query(
        db,
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where schema_name in ('intermediate', 'marts') order by all",
    )
    return [r[0] for r in rows]


def differences(build: Path, full_build: Path) -> dict[str, list[tuple]]:
    """Per table, up to 3 rows one build has and the other has not (EXCEPT ALL both ways)."""
    found: dict[str, list[tuple]] = {}
    with duckdb.connect(str(build), read_only=True) as con:
        con.execute(f"attach '{full_build}' as full_refresh (read_only)")
        for table in tables(build):
            for a, b in ((table, f"full_refresh.{table}"), (f"full_refresh.{table}", table)):
                extra = con.execute(f"select * from {a} except all select * from {b} limit 3").fetchall()
                if extra:
                    found.setdefault(table, []).extend(extra)
    return found


@pytest.mark.slow
def test_incremental_nights_equal_a_full_refresh_of_the_same_raw_data(
    returns_warehouse: Warehouse, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    shutil.copytree(
        returns_warehouse.state / "warehouse", state / "warehouse", ignore=shutil.ignore_patterns("runs")
    )
    raw, build = state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb"
    (newest,) = query(raw, "select max(release_date) from observations")[0]
    statistics = new_data_selection(["observations", "releases"])  # what a night of new statistics runs
    returns_night: list[Release] = []  # a night of progress returns alone
    for night in [*NIGHTS[:2], returns_night, NIGHTS[2]]:
        if night is returns_night:
            revised_september_return(raw)
            selection = new_data_selection(RETURN_TABLES)  # what a night of progress returns runs
        else:
            with duckdb.connect(str(raw)) as con:
                for release in night:
                    load_release(con, release, newest + timedelta(days=release.days_after))
            selection = statistics
        # the night's models as the nightly selects them; its data tests are left out (they change no table,
        # and tests/dbt/test_night_selection.py covers what a night runs): about 40 % of this test's time
        proc = dbt_build(state, raw, build, "--select", *selection.split(), *NO_TESTS)
        assert proc.returncode == 0, proc.stdout[-4000:]
        assert "int_target_actuals_measured" in proc.stdout  # rebuilt incrementally on every night

    full_state = tmp_path / "full"
    full_build = full_state / "warehouse" / "build.duckdb"
    full_build.parent.mkdir(parents=True)
    full = dbt_build(full_state, raw, full_build, "--full-refresh", *NO_TESTS)
    assert full.returncode == 0, full.stdout[-4000:]

    # the nights did reach the figures: the other source won district's 1-8月, October is there
    aligned = (
        "select source_id from intermediate.int_indicator_values_aligned where indicator_code = ? "
        "and measure = ? and region_code = 'district' and period_year = 2024 and period_end_month = ?"
    )
    other = query(raw, "select source_id from release_loads where sha256 = 'night3-other-source'")
    assert query(build, aligned, [INDICATOR, MEASURE, 8]) == other
    assert query(build, aligned, [INDICATOR, MEASURE, 10])
    progress = "select actual_value from marts.fct_target_progress where target_id = ? and as_of_month = ?"
    assert query(build, progress, ["T2024-035", date(2024, 9, 1)]) == [(9.0,)]  # the revised return counts
    assert "intermediate.int_indicator_values_aligned" in tables(build)
    assert tables(build) == tables(full_build)
    assert differences(build, full_build) == {}
