"""The dbt project builds (models, data tests, unit tests) on the sample data and on an empty raw layer,
and its headline figures agree with the same formulas recomputed here in Python from the raw rows.

The sample build is the session's `built_warehouse` (one ingest, one build, shared with other tests);
this module adds one build on an empty raw layer and one incremental run after a revision.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.contracts import RAW_ALIAS
from core.vocabulary import vocabulary
from tests.conftest import BIN, REPO, SAMPLES, Warehouse

DBT_PROJECT = REPO / "dbt_project"
AS_OF = "2024-09"
STATUSES = {"achieved", "on_track", "at_risk", "off_track", "not_yet_assessable", "no_data"}


def plan_targets() -> dict[str, dict[str, str]]:
    with (DBT_PROJECT / "seeds" / "plan_targets.csv").open(encoding="utf-8") as fh:
        return {row["target_id"]: row for row in csv.DictReader(fh)}


def dbt_build(state: Path, raw: Path, build: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PLANWATCH_RAW_DB=str(raw),
        PLANWATCH_BUILD_DB=str(build),
        PLANWATCH_STATE_DIR=str(state),
        PLANWATCH_RAW_ALIAS=RAW_ALIAS,
    )
    return subprocess.run(
        [str(BIN / "dbt"), "build", "--profiles-dir", ".", "--vars", json.dumps({"as_of_month": AS_OF}),
         "--target-path", str(state / "dbt_target"), "--log-path", str(state / "dbt_logs"), *args],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )  # fmt: skip


def query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def raw_ytd(raw: Path, indicator: str, measure: str) -> dict[tuple[int, int], float]:
    """The latest published year-to-date figure per (year, end month), in canonical units."""
    rows = query(
        raw,
        """
        select period_year, period_end_month,
               arg_max(case when unit in ('percent', 'percentage_point') then value else value * unit_multiplier end,
                       (release_date, loaded_at))
        from observations
        where indicator_code = ? and measure = ? and period_start_month = 1 and region_code = 'district'
        group by all
        """,
        [indicator, measure],
    )
    return {(y, m): v for y, m, v in rows}


def progress_row(build: Path, target_id: str, as_of: date) -> dict[str, Any]:
    with duckdb.connect(str(build), read_only=True) as con:
        cur = con.execute(
            "select * from marts.fct_target_progress where target_id = ? and as_of_month = ?",
            [target_id, as_of],
        )
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


# --- the sample data ------------------------------------------------------------------------------------


def test_sample_build_ran_models_data_tests_and_unit_tests(built_warehouse: Warehouse) -> None:
    results = json.loads((built_warehouse.state / "dbt_target" / "run_results.json").read_text())["results"]
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert not failed
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "seed", "test", "unit_test"} <= kinds
    assert sum(r["unique_id"].startswith("unit_test.") for r in results) >= 10


def test_every_target_at_every_as_of_month(built_warehouse: Warehouse) -> None:
    """As of 2024-09 the 2024 plan is judged at months 1-9; the 2025 plan has not begun."""
    targets = [t for t, row in plan_targets().items() if row["plan_id"] == "district_2024"]
    rows = query(
        built_warehouse.build_db, "select target_id, as_of_month_no, status from marts.fct_target_progress"
    )
    assert {(t, m) for t, m, _ in rows} == {(t, m) for t in targets for m in range(1, 10)}
    assert len(rows) == len(targets) * 9
    assert {s for _, _, s in rows} <= STATUSES


def test_fixed_asset_investment_completion_and_gap_match_raw(built_warehouse: Warehouse) -> None:
    target = plan_targets()["T2024-002"]  # 完成固定资产投资450亿元以上
    ytd = raw_ytd(built_warehouse.raw_db, "fai_total", "ytd_value")
    actual = ytd[(2024, 9)] / vocabulary().unit(target["unit_raw"]).multiplier
    completion = actual / float(target["target_value"])
    gap_pp = 100 * (completion - 9 / 12)

    row = progress_row(built_warehouse.build_db, "T2024-002", date(2024, 9, 1))
    assert row["data_month_no"] == 9
    assert row["actual_value"] == pytest.approx(actual, rel=1e-12)
    assert row["completion_rate"] == pytest.approx(completion, rel=1e-12)
    assert row["time_benchmark"] == pytest.approx(0.75, rel=1e-12)
    assert row["gap_pp"] == pytest.approx(gap_pp, rel=1e-12)
    # the status follows the configured threshold, compared unrounded
    threshold = next(
        float(r["value"])
        for r in csv.DictReader(
            (DBT_PROJECT / "seeds" / "config" / "status_thresholds.csv").open(encoding="utf-8")
        )
        if r["threshold"] == "level_at_risk_gap_pp"
    )
    expected = "on_track" if gap_pp >= 0 else "at_risk" if gap_pp >= threshold else "off_track"
    assert row["status"] == expected


def test_fixed_asset_investment_seasonal_projection_run_rate_and_ap_match_raw(
    built_warehouse: Warehouse,
) -> None:
    target = plan_targets()["T2024-002"]
    mult, goal = vocabulary().unit(target["unit_raw"]).multiplier, float(target["target_value"])
    ytd = raw_ytd(built_warehouse.raw_db, "fai_total", "ytd_value")
    shares = [ytd[(y, 9)] / ytd[(y, 12)] for y in (2021, 2022, 2023) if (y, 9) in ytd and (y, 12) in ytd]
    assert shares, "the sample data should hold at least one full past year"
    benchmark = statistics.median(shares)
    actual = ytd[(2024, 9)] / mult
    projected = actual / benchmark
    last_year = ytd[(2023, 12)] / mult
    run_rate = (goal - actual) / 3
    last_year_rest = (ytd[(2023, 12)] - ytd[(2023, 9)]) / mult / 3

    row = progress_row(built_warehouse.build_db, "T2024-002", date(2024, 9, 1))
    assert row["seasonal_benchmark"] == pytest.approx(benchmark, rel=1e-12)
    assert row["seasonal_years"] == len(shares)
    assert row["projected_year_end"] == pytest.approx(projected, rel=1e-12)
    assert row["pace_ratio"] == pytest.approx(projected / goal, rel=1e-12)
    assert row["anticipated_progress"] == pytest.approx(
        (projected - last_year) / abs(goal - last_year), rel=1e-9
    )
    assert row["required_monthly_run_rate"] == pytest.approx(run_rate, rel=1e-12)
    assert row["run_rate_vs_last_year"] == pytest.approx(run_rate / last_year_rest, rel=1e-9)


def test_retail_sales_growth_needed_in_the_rest_of_the_year_matches_raw(built_warehouse: Warehouse) -> None:
    target = plan_targets()["T2024-005"]  # 社会消费品零售总额增长6.5%
    ytd = raw_ytd(built_warehouse.raw_db, "retail_sales", "ytd_value")
    growth = raw_ytd(built_warehouse.raw_db, "retail_sales", "ytd_growth_pct")
    g_star, g_m, ytd_m = float(target["target_value"]) / 100, growth[(2024, 9)] / 100, ytd[(2024, 9)]
    base_m = ytd_m / (1 + g_m)
    base_y = base_m / (ytd[(2023, 9)] / ytd[(2023, 12)])
    needed = 100 * (((1 + g_star) * base_y - ytd_m) / (base_y - base_m) - 1)

    row = progress_row(built_warehouse.build_db, "T2024-005", date(2024, 9, 1))
    assert row["actual_value"] == pytest.approx(growth[(2024, 9)])
    assert row["gap_pp"] == pytest.approx(growth[(2024, 9)] - float(target["target_value"]), rel=1e-12)
    assert row["required_rest_of_year_growth_pct"] == pytest.approx(needed, rel=1e-9)


def test_every_figure_is_explained_by_calculation_components(built_warehouse: Warehouse) -> None:
    missing = query(
        built_warehouse.build_db,
        """
        select p.target_id, p.as_of_month, c.component
        from marts.fct_target_progress as p
        cross join (values ('completion_rate'), ('gap_pp'), ('time_benchmark'), ('status')) as c (component)
        left join marts.fct_progress_calculation_components as k
            on k.target_id = p.target_id and k.as_of_month = p.as_of_month and k.component = c.component
        where k.target_id is null
        """,
    )
    assert not missing
    (calculation,) = query(
        built_warehouse.build_db,
        """
        select calculation_zh from marts.fct_progress_calculation_components
        where target_id = 'T2024-002' and as_of_month = date '2024-09-01' and component = 'completion_rate'
        """,
    )[0]
    assert calculation.startswith("316.4900 / 450 = ")


def test_serving_views_read_only_marts_and_carry_chinese_comments(built_warehouse: Warehouse) -> None:
    views = query(
        built_warehouse.build_db, "select view_name, sql from duckdb_views() where schema_name = 'serving'"
    )
    names = {name for name, _ in views}
    assert {"target_progress", "indicator_values", "section_summary", "bureau_summary"} <= names
    for name, sql in views:
        assert "staging." not in sql and "intermediate." not in sql, name
    uncommented = query(
        built_warehouse.build_db,
        "select table_name, column_name from duckdb_columns() where schema_name = 'serving' and comment is null",
    )
    assert not uncommented
    (n,) = query(built_warehouse.build_db, "select count(*) from serving.target_progress")[0]
    (m,) = query(built_warehouse.build_db, "select count(*) from marts.fct_target_progress")[0]
    assert n == m > 0


def test_every_loaded_source_is_served_by_its_registry_title(built_warehouse: Warehouse) -> None:
    """dim_sources (and serving.sources) hold each registry entry the sample load read, compared here with
    config/sources/*.yml itself; every figure's source_id is among them, so reports can name it."""
    import yaml

    registry = {}
    for path in sorted((REPO / "config" / "sources").glob("*.yml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        registry[entry["id"]] = (
            entry["title"],
            entry["bureau"],
            entry["format"],
            entry["release"]["frequency"],
        )
    served = query(
        built_warehouse.build_db,
        "select source_id, title_zh, bureau_code, format, frequency from marts.dim_sources",
    )
    assert {source_id: tuple(rest) for source_id, *rest in served} == registry
    unnamed = query(
        built_warehouse.build_db,
        "select distinct source_id from marts.fct_target_progress where source_id is not null "
        "except select source_id from marts.dim_sources",
    )
    assert unnamed == []
    view = query(built_warehouse.build_db, "select source_id, source_title from serving.sources")
    assert dict(view) == {source_id: title for source_id, (title, *_) in registry.items()}


# --- a revision arrives: the incremental run ------------------------------------------------------------

# A new release holding one figure, written into the raw layer's tables the way ingest writes a load:
# the load, its series, its value (ingest/raw_store.py); the views then show it as the newest vintage.
REVISION_SQL = """
    create temp table revised as
        select * from observation_history
        where indicator_code = 'fai_total' and measure = 'ytd_value' and period_year = 2024
          and period_start_month = 1 and period_end_month = 9 and withdrawn_at is null
        limit 1;
    insert into release_loads
        select (select max(release_no) + 1 from release_loads), l.source_id, 'revision-sha', l.location,
               l.landing_path, l.size_bytes, now(), ?, 'revision-load', now(), 1, 1, 0, null, null
        from release_loads as l join revised using (release_no);
    insert into release_series
        select (select max(release_no) from release_loads), 1, s.indicator_code, s.measure, s.unit, s.unit_raw,
               s.unit_multiplier, s.label_raw, s.file_sheet
        from release_series as s join revised using (release_no)
        where s.indicator_code = revised.indicator_code and s.measure = revised.measure
        limit 1;
    insert into observation_values
        select (select max(release_no) from release_loads), 1, region_code, period_year, period_start_month,
               period_end_month, value + 2, null, file_row, obs_status
        from revised;
"""


def test_incremental_run_takes_in_a_revision_and_leaves_other_figures_alone(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    shutil.copytree(
        built_warehouse.state / "warehouse", state / "warehouse", ignore=shutil.ignore_patterns("runs")
    )
    raw, build = state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb"
    untouched_sql = """
        select count(*), bit_xor(hash(observation_key, vintage_no, value, valid_from, valid_to))
        from marts.fct_indicator_value_history where indicator_code <> 'fai_total'
    """
    before = query(build, untouched_sql)
    (release_date,) = query(raw, "select max(release_date) from observations")[0]
    revised_on = release_date + timedelta(days=40)
    with duckdb.connect(str(raw)) as con:  # a later release revises 1-9月 up by 2亿元, as ingest loads one
        for statement in REVISION_SQL.split(";")[:-1]:
            con.execute(statement, [revised_on] if "?" in statement else [])
    old_actual = progress_row(build, "T2024-002", date(2024, 9, 1))["actual_value"]

    proc = dbt_build(state, raw, build)
    assert proc.returncode == 0, proc.stdout[-4000:]

    vintages = query(
        build,
        """
        select vintage_no, valid_from, valid_to, is_latest from marts.fct_indicator_value_history
        where indicator_code = 'fai_total' and measure = 'ytd_value' and period_year = 2024 and period_end_month = 9
        order by vintage_no
        """,
    )
    assert [v[0] for v in vintages] == [1, 2]
    assert vintages[0][2] == revised_on and not vintages[0][3]
    assert vintages[1][1] == revised_on and vintages[1][2] is None and vintages[1][3]
    row = progress_row(build, "T2024-002", date(2024, 9, 1))
    assert row["actual_value"] == pytest.approx(old_actual + 2)
    assert row["is_revised"] and row["vintage_no"] == 2
    assert query(build, untouched_sql) == before


# An incremental build equal to a full refresh of the same raw file is tests/dbt/test_incremental_nights.py:
# a new month, revisions of this year and last, a progress return, a tie-break, every table compared.


# --- a new deployment: nothing loaded yet ---------------------------------------------------------------


@dataclass
class EmptyBuild:
    proc: subprocess.CompletedProcess[str]
    build_db: Path


@pytest.fixture(scope="module")
def empty_build(tmp_path_factory: pytest.TempPathFactory) -> EmptyBuild:
    state = tmp_path_factory.mktemp("empty_state")
    env = dict(
        os.environ, PLANWATCH_STATE_DIR=str(state), PLANWATCH_DATA_ROOT=str(SAMPLES), PLANWATCH_HOME=str(REPO)
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from core.settings import load_settings; from ingest import raw_store\n"
            "with raw_store.connect(load_settings().raw_db): pass",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    raw, build = state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb"
    return EmptyBuild(dbt_build(state, raw, build), build)


def test_empty_raw_layer_builds_with_no_data_statuses(empty_build: EmptyBuild) -> None:
    assert empty_build.proc.returncode == 0, empty_build.proc.stdout[-4000:]
    targets = [t for t, row in plan_targets().items() if row["plan_id"] == "district_2024"]
    rows = query(
        empty_build.build_db, "select target_id, status, status_reason from marts.fct_target_progress"
    )
    assert len(rows) == len(targets) * 9
    assert {status for _, status, _ in rows} == {"no_data", "not_yet_assessable"}
    assert all(reason for _, _, reason in rows)
    (values,) = query(empty_build.build_db, "select count(*) from marts.fct_indicator_values")[0]
    assert values == 0


def test_dbt_and_python_read_units_the_same_way(built_warehouse: Warehouse) -> None:
    """int_unit_forms (SQL) and core.vocabulary (Python) resolve every written form alike."""
    forms = query(
        built_warehouse.build_db, "select unit, canonical_unit, multiplier from intermediate.int_unit_forms"
    )
    assert len(forms) > 100  # units and their prefixed forms (万千瓦, 亿元, ...)
    for unit, canonical, multiplier in forms:
        python = vocabulary().unit(unit)
        assert (python.canonical, python.multiplier) == (canonical, pytest.approx(multiplier)), unit


def test_plans_are_tracked_and_summaries_keyed_by_plan(built_warehouse: Warehouse) -> None:
    plans = query(built_warehouse.build_db, "select plan_id, tracking_status, is_active from marts.dim_plans")
    assert ("district_2024", "tracking", True) in plans
    keys = query(
        built_warehouse.build_db,
        "select count(*), count(distinct (plan_id, section_no, as_of_month)) from marts.fct_section_summary",
    )
    assert keys[0][0] == keys[0][1] > 0
