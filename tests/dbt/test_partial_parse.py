"""dbt's partial parse survives from one night to the next, and the build marker still names the night.

The nightly DAG passes the Airflow run id to dbt in the environment (PLANWATCH_RUN_ID), not as a --vars
value: dbt hashes every --vars value into its partial-parse state, so a run id among the vars made every
night parse the whole project again (about 4 s of a night of new statistics, benchmarks/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from publishing.build_marker import read_marker
from tests.conftest import BIN, REPO, SAMPLES

DBT_PROJECT = REPO / "dbt_project"
FULL_PARSE = "Unable to do partial parsing"


def _seed(state: Path, run_id: str | None, by_hand: str = "") -> subprocess.CompletedProcess[str]:
    """One small seed, as the DAG's task runs dbt: the vars that stay the same from night to night, the
    run id in the environment (or, `run_id` None, a build by hand naming `by_hand` with --vars)."""
    from core.settings import load_settings
    from planwatch.dbt_runtime import dbt_env

    dbt_vars = {"as_of_month": "2024-09", "known_on": ""}
    env = dict(os.environ, **dbt_env(load_settings(), run_id=run_id))
    if run_id is None:
        dbt_vars["run_id"] = by_hand
    return subprocess.run(
        [str(BIN / "dbt"), "seed", "--select", "unit_magnitudes", "--profiles-dir", ".", "--vars",
         json.dumps(dbt_vars), "--target-path", str(state / "dbt_target"), "--log-path", str(state / "logs")],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLANWATCH_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("PLANWATCH_DATA_ROOT", str(SAMPLES))
    monkeypatch.setenv("PLANWATCH_HOME", str(REPO))
    subprocess.run(
        [sys.executable, "-c", "from core.settings import load_settings; from ingest import raw_store\n"
         "with raw_store.connect(load_settings().raw_db): pass"],
        env=dict(os.environ), check=True, capture_output=True,
    )  # fmt: skip
    return tmp_path


def test_second_night_reuses_the_partial_parse_and_its_marker_names_its_run(state: Path) -> None:
    from core.settings import load_settings

    first = _seed(state, "night-1")
    assert first.returncode == 0, first.stdout[-3000:]
    second = _seed(state, "night-2")
    assert second.returncode == 0, second.stdout[-3000:]
    assert FULL_PARSE not in second.stdout, second.stdout[:2000]
    with duckdb.connect(str(load_settings().build_db), read_only=True) as con:
        marker = read_marker(con)
    assert marker is not None and marker.succeeded
    assert (marker.run_id, marker.command, marker.as_of_month) == ("night-2", "seed", "2024-09")


def test_a_build_by_hand_may_still_name_its_run_with_the_var(state: Path) -> None:
    from core.settings import load_settings

    proc = _seed(state, None, by_hand="by-hand")
    assert proc.returncode == 0, proc.stdout[-3000:]
    with duckdb.connect(str(load_settings().build_db), read_only=True) as con:
        marker = read_marker(con)
    assert marker is not None and marker.run_id == "by-hand"
