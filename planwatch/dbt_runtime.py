"""What the dbt task needs around dbt itself.

dbt runs in-process (cosmos' DBT_RUNNER invocation: no extra interpreter start, about 3 s saved per run).
dbt-duckdb keeps its DuckDB environment open in the process after the command ends; under
`airflow dags test` every later task runs in that same process, and DuckDB refuses to open a file again
with a different configuration (read-only) while that handle lives. So the build task closes it.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def release_dbt_duckdb(project_dir: str | None = None, **_: Any) -> None:
    """Close dbt-duckdb's process-wide DuckDB environment (cosmos calls this after the dbt command)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None
            log.info("closed dbt-duckdb's DuckDB environment")
