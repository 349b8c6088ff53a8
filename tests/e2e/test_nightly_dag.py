"""The nightly DAG, run for real with `airflow dags test` on the bundled sample data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FirstNight, Project, run_nightly, run_steps

pytestmark = pytest.mark.slow

MART_QUERY = "select * from marts.fct_target_progress order by target_id, as_of_month"


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_nightly_run_publishes_and_a_back_dated_run_asked_for_publishes_too(
    first_night: FirstNight, airflow_home: Path, tmp_path: Path
) -> None:
    """The session's first night (tests/conftest.py), then a back-dated night on a copy. A second night
    with nothing new is tests/e2e/test_incremental.py's first test: it changes nothing and says why."""
    first = first_night.result
    assert first.returncode == 0, first.output[-3000:]
    project = first_night.copy(tmp_path)
    serving = project.state / "warehouse" / "planwatch.duckdb"
    raw = project.state / "warehouse" / "raw.duckdb"
    assert serving.exists()
    assert first.record.validation is not None and first.record.validation.passed is True
    assert {"stats_monthly_report", "commerce_foreign_investment"} <= {
        s.source_id for s in first.record.sources
    }
    assert first.record.reports and all(Path(str(r.html)).exists() for r in first.record.reports)

    progress = _rows(serving, MART_QUERY)
    n_targets = _rows(serving, "select count(*) from reference.plan_targets where plan_id = 'district_2024'")[
        0
    ][0]
    assert (
        len(progress) == n_targets * 9
    )  # every 2024 target for every as-of month 2024-01..09; 2025 not begun
    statuses = dict(
        _rows(serving, "select target_id, status from marts.fct_target_progress where as_of_month_no = 9")
    )
    assert statuses["T2024-002"] in {"on_track", "at_risk", "off_track"}  # 固定资产投资 has data
    assert _rows(raw, "select count(*) from observations")[0][0] > 0

    # a back-dated run asked for explicitly publishes, compared like for like with the newer publish
    back = run_nightly(project, airflow_home, as_of="2024-03")
    assert back.returncode == 0, back.output[-3000:]
    assert back.record.publish is not None
    assert _rows(serving, "select max(as_of_month) from marts.fct_target_progress") == [(date(2024, 3, 1),)]


def test_a_wrong_mart_is_not_published_and_the_run_fails_with_the_check(
    first_night: FirstNight, tmp_path: Path
) -> None:
    good = first_night.result  # a good night published first: a copy of the session's first night
    assert good.returncode == 0, good.output[-3000:]
    project = first_night.copy(tmp_path)
    serving = project.state / "warehouse" / "planwatch.duckdb"
    before = _rows(serving, MART_QUERY)
    inode = serving.stat().st_ino

    # make the mart wrong in a way dbt's own tests would catch, and switch those tests off in this copy:
    # a bug that slipped past dbt, so that the validation gate is the last line of defence
    model = project.home / "dbt_project" / "models" / "marts" / "progress" / "fct_target_progress.sql"
    model.write_text(model.read_text().replace("cast(status as varchar) as status,", "'bogus' as status,"))
    project_yml = project.home / "dbt_project" / "dbt_project.yml"
    text = project_yml.read_text()
    assert "data_tests:\n  planwatch:\n    +severity: error" in text
    project_yml.write_text(
        text.replace(
            "data_tests:\n  planwatch:\n    +severity: error",
            "data_tests:\n  planwatch:\n    +enabled: false\nunit_tests:\n  planwatch:\n    +enabled: false",
        )
    )

    # the night's steps in this process (tests/reliability/night.py): what is tested is the gate, and an
    # `airflow dags test` around them cost 10-15 s more
    bad = run_steps(project, "manual__wrong_mart")
    assert bad.returncode != 0
    assert "expect_column_values_to_be_in_set" in bad.output
    assert "fct_target_progress.status" in bad.output
    assert bad.record.publish is None
    assert serving.stat().st_ino == inode
    assert _rows(serving, MART_QUERY) == before


def test_a_deployment_without_the_writers_pool_fails_at_once_naming_it(
    project: Project, airflow_home_without_pool: Path
) -> None:
    """A fresh Airflow without the pool: the scheduler would leave every writer waiting in silence."""
    run = run_nightly(project, airflow_home_without_pool)
    assert run.returncode != 0
    assert "Airflow pool 'planwatch_duckdb' does not exist" in run.output
    assert run.record.outcome is not None and not run.record.outcome.ok
    assert run.record.outcome.problems[0].startswith("prepare failed, nothing ran: prepare:")
    assert not (project.state / "warehouse" / "raw.duckdb").exists()  # nothing fetched, nothing loaded
