"""Nights that cost what changed, run for real: `airflow dags test` of the nightly DAG on a private copy
of the sample releases, then the same inputs again, then one revised release, a changed seed and
another as-of month. What Airflow shows is read from its own metadata database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from core.settings import load_settings
from planwatch.incremental import plan_night
from planwatch.nightly import fetch_sources, load_sources, prepare
from planwatch.runcmd import format_summary
from samples.generate import sample_release
from tests.conftest import FirstNight, PrivateData, run_nightly

pytestmark = pytest.mark.slow

REVISED = ("human_resources_employment", "human_resources/2024/rsj_jy_202409.csv")
MART_QUERY = "select * from marts.fct_target_progress order by target_id, as_of_month"
NEW_JOBS = """select value from marts.fct_indicator_values where indicator_code = 'new_jobs'
              and measure = 'count_ytd' and period_year = 2024 and period_end_month = 9"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, first_night: FirstNight) -> PrivateData:
    """A project after its first night (everything built and published): a copy of the session's."""
    first = first_night.result
    assert first.returncode == 0, first.output[-3000:]
    assert first.record.plan is not None and first.record.plan.selection == "full"
    assert first.record.publish is not None
    return first_night.copy(tmp_path_factory.mktemp("incremental"))


@pytest.fixture
def in_home(home: PrivateData, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateData]:
    for key, value in home.env().items():
        if key.startswith("PLANWATCH_"):
            monkeypatch.setenv(key, value)
    yield home


def _task_states(airflow_home: Path, run_id: str) -> dict[str, str]:
    with sqlite3.connect(airflow_home / "airflow.db") as con:
        rows = con.execute(
            "select task_id, state from task_instance where dag_id = 'planwatch_nightly' and run_id = ?",
            [run_id],
        ).fetchall()
    return dict(rows)


def _landed(home: PrivateData) -> list[Path]:
    return sorted(p.relative_to(home.state) for p in (home.state / "landing").rglob("*") if p.is_file())


def _raw_rows(home: PrivateData) -> int:
    with duckdb.connect(str(home.state / "warehouse" / "raw.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from observations").fetchall()[0][0]


def _served(home: PrivateData, sql: str) -> list[tuple]:
    with duckdb.connect(str(home.state / "warehouse" / "planwatch.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_night_with_nothing_new_skips_build_validation_publish_and_report_and_says_why(
    home: PrivateData, airflow_home: Path
) -> None:
    serving = home.state / "warehouse" / "planwatch.duckdb"
    inode = serving.stat().st_ino
    progress = _served(home, MART_QUERY)
    raw_rows = _raw_rows(home)
    landing = _landed(home)
    night = run_nightly(home, airflow_home)
    assert night.returncode == 0, night.output[-3000:]
    record = night.record
    # nothing fetched again, loaded again or landed twice; the served marts are the same rows
    assert record.sources and all(s.releases_new == 0 for s in record.sources)
    assert _raw_rows(home) == raw_rows
    assert _landed(home) == landing
    assert _served(home, MART_QUERY) == progress
    assert record.plan is not None and not record.plan.build
    reason = record.plan.reasons[0]
    assert reason.startswith("nothing new since publish ") and "as-of month 2024-09" in reason
    assert {s.step: s.reason for s in record.skipped} == {
        "dbt_build": reason,
        "validate": reason,
        "publish": reason,
        "report": f"the reports of publish {record.plan.compared_with} (as of 2024-09) are already written",
    }
    assert f"nothing to build: {reason}" in night.output  # plan_night's log says why
    assert record.start is not None
    states = _task_states(airflow_home, record.start.run_id)
    assert {k: states[k] for k in ("dbt_build", "validate", "publish", "report")} == dict.fromkeys(
        ("dbt_build", "validate", "publish", "report"), "skipped"
    )
    assert states["finalize"] == "success" and states["load_sources"] == "success"
    assert record.outcome is not None and record.outcome.ok
    assert serving.stat().st_ino == inode and record.publish is None
    assert reason in format_summary(record, serving, True, 1.0)

    # the report was deleted since: the night writes it again and still builds nothing
    report = next((home.state / "reports").glob("*2024-09*.html"))
    report.unlink()
    again = run_nightly(home, airflow_home)
    assert again.returncode == 0, again.output[-3000:]
    assert again.record.start is not None
    states = _task_states(airflow_home, again.record.start.run_id)
    assert states["report"] == "success" and states["dbt_build"] == "skipped"
    assert report.exists() and serving.stat().st_ino == inode


def test_a_revised_release_rebuilds_what_is_downstream_of_raw_and_validates_its_source(
    home: PrivateData, airflow_home: Path
) -> None:
    before = _served(home, NEW_JOBS)
    source_id, path = REVISED
    revised = sample_release(source_id, 2024, 9, seed=2025, sources_dir=home.home / "config" / "sources")
    assert (home.data_root / path).read_bytes() != revised
    (home.data_root / path).write_bytes(revised)

    night = run_nightly(home, airflow_home)
    assert night.returncode == 0, night.output[-3000:]
    record = night.record
    assert record.plan is not None and record.plan.selection == "new_data"
    assert record.plan.reasons == [f"source {source_id}: 1 new release(s)"]
    assert record.build is not None and record.build.ok and "fct_target_progress" in record.build.models
    assert "dim_bureaus" not in record.build.models  # built from seeds alone: kept from the last build
    validation = record.validation
    assert validation is not None and validation.passed and validation.carried > 0
    assert validation.scope is not None
    assert [d for d in validation.scope if d.startswith("raw_")] == [f"raw_{source_id}"]
    # its suite read the revised release's rows only, and the served quality table says so
    with duckdb.connect(str(home.state / "warehouse" / "raw.duckdb"), read_only=True) as con:
        revised_rows, every = con.execute(
            "select max_by(row_count, release_no), sum(row_count) from release_loads "
            "where source_id = ? and withdrawn_at is null",
            [source_id],
        ).fetchone()
    assert validation.rows_read[f"raw_{source_id}"] == revised_rows < every
    assert list(validation.partial) == [f"raw_{source_id}"]
    assert record.publish is not None
    details = _served(
        home, f"select distinct detail from quality.check_results where dataset = 'raw_{source_id}' "
        "and check_name = 'expect_column_values_to_not_be_null'",
    )  # fmt: skip
    assert details == [(validation.partial[f"raw_{source_id}"],)], details
    assert f"{revised_rows} of {every} rows validated now" in details[0][0]
    assert _served(home, NEW_JOBS) != before  # the revised figure is served


def _plan(as_of: str) -> tuple[bool, str | None, list[str]]:
    """prepare, fetch, load and plan, as the DAG's tasks call them (no dbt: only the decision)."""
    run_id = f"test__{as_of}"
    prepare(run_id, as_of, None)
    fetch_sources(run_id)
    load_sources(run_id)
    plan = plan_night(run_id)
    return plan.build, plan.selection, plan.reasons


def test_a_changed_seed_or_as_of_month_builds_everything(in_home: PrivateData) -> None:
    build, _, reasons = _plan("2024-09")
    assert not build and reasons[0].startswith("nothing new since publish")
    assert _plan("2024-08") == (True, "full", ["as-of month 2024-09 -> 2024-08"])

    seeds = load_settings().dbt_project_dir / "seeds" / "plan_targets.csv"
    text = seeds.read_text(encoding="utf-8")
    assert "完成固定资产投资450亿元以上" in text
    seeds.write_text(text.replace("完成固定资产投资450亿元以上,fai_total,level,>=,450,", "完成固定资产投资460亿元以上,fai_total,level,>=,460,"), encoding="utf-8")  # fmt: skip
    assert _plan("2024-09") == (True, "full", ["the catalog (dbt seeds) changed"])
