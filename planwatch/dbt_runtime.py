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
import threading
from typing import Any

from core.contracts import RAW_ALIAS
from core.settings import Settings
from planwatch.runs import BuildOutcome

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


OK_STATUSES = {"success", "pass", "warn", "no-op"}


class BuildEvents:
    """A dbtRunner callback that keeps what dbt reports of its nodes, for the run record's build part.

    The nightly dbt runs with --no-write-json: dbt then writes neither manifest.json (twice a build: after
    parsing and after running) nor run_results.json, 1-2 s of a night that builds, and nothing reads them
    (cosmos renders no DAG from them, and its lineage events are off). The outcome comes from dbt's own
    events instead: NodeFinished for each node's status and message, EndRunResult for the end of the
    run. A build that never reached EndRunResult (dbt stopped on an error before or while running) is not
    a finished build, whatever its nodes said."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # dbt runs nodes on its threads
        self.reset()

    def reset(self) -> None:
        self.nodes: list[tuple[str, str, str]] = []  # unique_id, status, message
        self.success: bool | None = None
        self.elapsed_s: float | None = None

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "NodeFinished":
            result = event.data.run_result
            node = (event.data.node_info.unique_id, str(result.status), " ".join(str(result.message).split()))
            with self._lock:
                self.nodes.append(node)
        elif name == "EndRunResult":
            self.success, self.elapsed_s = bool(event.data.success), float(event.data.elapsed_time)

    def outcome(self, selection: str) -> BuildOutcome:
        failed = [
            f"{uid}: {status}: {message[:300]}"
            for uid, status, message in self.nodes
            if status not in OK_STATUSES
        ]
        if self.success is None:
            failed.append(
                "dbt did not finish its run (no end-of-run result)" if self.nodes else "dbt ran no node"
            )
        models = sorted(uid.split(".")[-1] for uid, _, _ in self.nodes if uid.startswith("model."))
        return BuildOutcome(
            selection=selection, ok=bool(self.success) and not failed and bool(self.nodes), nodes=len(self.nodes),
            models=models, failed=failed, elapsed_s=self.elapsed_s,
        )  # fmt: skip


BUILD_EVENTS = BuildEvents()  # the DAG's dbt task's; choose_nodes resets it before each build
