"""Every DAG file imports cleanly and fast, and carries what operations relies on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

DAG_FILES = sorted((REPO / "dags").glob("*.py"))
# tasks that open a DuckDB file for writing, or for reading beside the writers (a reader in another
# process blocks DuckDB's writer); prepare, report and finalize read only the run record and the
# published copy
DUCKDB_WRITERS = {"load_sources", "dbt_build", "validate", "publish"}

PARSE = r"""
import json, sys, time
import airflow.sdk  # the floor every DAG file pays; not the file's own cost
from airflow.dag_processing.dagbag import DagBag
t = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
elapsed = time.perf_counter() - t
heavy = [m for m in ("duckdb", "pandas", "great_expectations", "dbt.cli.main") if m in sys.modules]
print(json.dumps({"seconds": elapsed, "errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dag_ids), "heavy": heavy}))
"""


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_every_dag_imports_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert {"planwatch_nightly", "planwatch_publish_watchdog"} <= set(dagbag.dag_ids)


def test_every_dag_has_owner_retries_tags_timezone_and_no_catchup(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.catchup is False, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert str(dag.timezone) in ("Asia/Shanghai", "Timezone('Asia/Shanghai')"), dag_id
        assert dag.doc_md, dag_id
        for t in dag.tasks:
            assert t.owner == "planwatch-data", (dag_id, t.task_id)
            assert t.on_failure_callback, (dag_id, t.task_id)
        assert any(t.retries > 0 for t in dag.tasks), dag_id


def test_every_duckdb_writer_shares_the_one_slot_pool(dagbag) -> None:
    dag = dagbag.dags["planwatch_nightly"]
    writers = {t.task_id: t for t in dag.tasks if t.task_id in DUCKDB_WRITERS}
    assert set(writers) == DUCKDB_WRITERS
    assert {t.pool for t in writers.values()} == {"planwatch_duckdb"}
    others = {t.task_id: t.pool for t in dag.tasks if t.task_id not in DUCKDB_WRITERS}
    assert "planwatch_duckdb" not in others.values(), others  # downloads never wait for the write slot
    assert others["fetch_sources"] == "default_pool"


def test_only_what_can_pass_is_retried_in_every_task(dagbag) -> None:
    from airflow.sdk import RetryAction

    from core.errors import ConfigError
    from ingest.errors import ReleaseError, TransientFetchError

    for dag in dagbag.dags.values():
        for task in dag.tasks:
            policy = task.retry_policy
            assert policy is not None, (dag.dag_id, task.task_id)
            decide = lambda e: policy.evaluate(e, try_number=1, max_tries=3).action  # noqa: B023, E731
            assert decide(TransientFetchError("HTTP 503")) == RetryAction.RETRY
            assert decide(ReleaseError.__new__(ReleaseError)) == RetryAction.FAIL
            assert decide(ConfigError("unknown placeholder {qtr}")) == RetryAction.FAIL
            assert decide(TypeError("a bug")) == RetryAction.FAIL


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parses_fast_and_does_no_work_at_parse_time(dag_file: Path, tmp_path: Path) -> None:
    env = dict(os.environ, AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    out = subprocess.run(
        [sys.executable, "-c", PARSE, str(dag_file)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{dag_file.name}: parsed in {result['seconds']:.3f} s")
    assert result["errors"] == {}
    assert result["heavy"] == [], "no DuckDB, pandas, GX or dbt import at parse time"
    # generous bound on a shared 2-core machine: catches parse-time work such as `dbt ls` (~5 s)
    assert result["seconds"] < 2.0


def test_dag_files_pass_ruff_airflow_rules() -> None:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", "--select", "AIR", str(REPO / "dags")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout


def test_dbt_build_passes_nothing_that_changes_every_night_as_a_dbt_var(dagbag) -> None:
    """dbt parses the whole project again when a --vars value changes (about 4 s a night): the run id
    reaches the build marker through the environment instead (tests/dbt/test_partial_parse.py)."""
    dbt_build = dagbag.dags["planwatch_nightly"].get_task("dbt_build")
    assert not any("run_id" in f"{k}{v}" for k, v in dbt_build.vars.items()), dbt_build.vars
    assert dbt_build.env["PLANWATCH_RUN_ID"] == "{{ run_id }}"
    assert "env" in dbt_build.template_fields


def test_dbt_build_is_the_operator_that_skips_lineage_nobody_receives(dagbag) -> None:
    """tests/planwatch/test_dbt_operator.py: cosmos' OpenLineage events are computed only with a listener."""
    from planwatch.dbt_operator import DbtBuildOperator

    assert isinstance(dagbag.dags["planwatch_nightly"].get_task("dbt_build"), DbtBuildOperator)
