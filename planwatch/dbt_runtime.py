"""What the dbt task needs around dbt itself: its environment, and leaving the DuckDB files free.

dbt runs in-process (cosmos' DBT_RUNNER invocation: no extra interpreter start, about 3 s saved per run).
dbt-duckdb keeps a process-wide DuckDB environment after the command ends; under `airflow dags test`
every later task runs in the same process, and DuckDB refuses to open the build file again read-only
while that handle lives. dbt-duckdb's public classmethod `close_all_connections` drops the environment;
the DuckDB handle closes with it once nothing else refers to it, which `gc.collect()` makes immediate.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from core.contracts import RAW_ALIAS
from core.settings import Settings

log = logging.getLogger(__name__)


RUN_ID_ENV = "PLANWATCH_RUN_ID"  # the Airflow run a build is for (dbt_project/macros/build_marker.sql)


def dbt_env(settings: Settings, run_id: str | None = None) -> dict[str, str]:
    """The environment variables dbt_project/profiles.yml, the raw source and the build marker read.

    The run id goes to dbt as an environment variable, not a --vars value: dbt hashes every --vars value
    into its partial-parse state, so a var that changes every night made every night parse the whole
    project again (about 4 s). Values the profile reads stay the same from night to night."""
    env = {
        "PLANWATCH_BUILD_DB": str(settings.build_db),
        "PLANWATCH_RAW_DB": str(settings.raw_db),
        "PLANWATCH_RAW_ALIAS": RAW_ALIAS,
    }
    if run_id is not None:
        env[RUN_ID_ENV] = run_id
    return env


def release_dbt_duckdb(project_dir: str | None = None, **_: Any) -> None:
    """Drop dbt-duckdb's process-wide DuckDB environment (cosmos calls this after the dbt command)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()
    gc.collect()
    log.info("released dbt-duckdb's DuckDB environment")
