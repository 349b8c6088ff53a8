"""How planwatch runs Airflow locally (`planwatch run`): an embedded SQLite metadata database under
the ignored folder .airflow/, the project's dags/ folder, no example DAGs, the district's time zone,
and the one pool every DuckDB writer shares. Production (docker/) sets the same things itself.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from core.errors import ConfigError
from core.settings import Settings

log = logging.getLogger(__name__)

DUCKDB_POOL = "planwatch_duckdb"  # one slot: DuckDB allows one writing process per file
# Celery queue of the tasks that write DuckDB files: in docker/ a single worker with concurrency 1
# consumes it, so writers never run side by side even across hosts; locally it is the default queue.
DUCKDB_QUEUE = os.environ.get("PLANWATCH_DUCKDB_QUEUE", "default")
POOL_DESCRIPTION = "serialises every writer of the planwatch DuckDB files"


def airflow_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    home = settings.home / ".airflow"
    env.setdefault("AIRFLOW_HOME", str(home))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(settings.home / "dags"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__DEFAULT_TIMEZONE", settings.nightly().timezone)
    env.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    env.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "True")
    env.setdefault("AIRFLOW__COSMOS__ENABLE_CACHE", "True")
    env.setdefault("AIRFLOW__COSMOS__CACHE_DIR", str(home / "cosmos_cache"))
    env.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")  # offline: no usage pings
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("SCARF_NO_ANALYTICS", "true")
    env.setdefault("PLANWATCH_HOME", str(settings.home))
    env.setdefault("NO_COLOR", "1")
    return env


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def ensure_metadata_db(settings: Settings, env: dict[str, str], log_file: Path | None = None) -> None:
    """Migrate the SQLite metadata database once and create the DuckDB writers' pool (idempotent)."""
    marker = Path(env["AIRFLOW_HOME"]) / ".planwatch-initialised"
    if marker.exists():
        return
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    out = log_file.open("a") if log_file else subprocess.DEVNULL
    try:
        subprocess.run([airflow_bin(), "db", "migrate"], env=env, check=True, stdout=out, stderr=out)
        subprocess.run(
            [airflow_bin(), "pools", "set", DUCKDB_POOL, "1", POOL_DESCRIPTION],
            env=env,
            check=True,
            stdout=out,
            stderr=out,
        )
    finally:
        if log_file and not isinstance(out, int):
            out.close()
    marker.write_text("ok\n")


def check_writer_pool() -> None:
    """Fail at once, naming the pool, when the deployment has not created it: the scheduler would
    otherwise leave every writer task waiting for a pool that does not exist, and say nothing.

    Tasks have no Airflow API for pools, so this reads the metadata database where the task may
    (`airflow dags test`, which `planwatch run` uses). A task process run by an executor has no database
    access in Airflow 3, nor may it; there the check is skipped with a warning, and the deployment's
    airflow-init (docker/airflow-init.sh) creates the pool before any scheduler starts.
    """
    from airflow.configuration import conf
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    url = conf.get("database", "sql_alchemy_conn", fallback=None)
    if not url:
        log.warning("no metadata database configured: cannot check pool %s", DUCKDB_POOL)
        return
    # an Airflow 3 task process run by an executor is given an address it cannot use
    # ("airflow-db-not-allowed:///"): it has no database access, and the check is left to the scheduler's side
    try:
        engine = create_engine(url)
    except SQLAlchemyError as exc:
        log.warning("no usable metadata database address (%s): pool %s not checked", exc, DUCKDB_POOL)
        return
    try:
        with engine.connect() as con:
            found = con.execute(
                text("select slots from slot_pool where pool = :p"), {"p": DUCKDB_POOL}
            ).first()
    except SQLAlchemyError as exc:
        log.warning(
            "cannot read the pools from the metadata database (%s): pool %s not checked", exc, DUCKDB_POOL
        )
        return
    finally:
        engine.dispose()
    if found is None:
        raise ConfigError(
            f"Airflow pool {DUCKDB_POOL!r} does not exist, so no DuckDB writer would ever run: create it with "
            f'`airflow pools set {DUCKDB_POOL} 1 "{POOL_DESCRIPTION}"` (docker/airflow-init.sh and '
            "`planwatch run` do this)"
        )
    if int(found[0]) != 1:
        raise ConfigError(f"Airflow pool {DUCKDB_POOL!r} has {found[0]} slots; DuckDB writers need exactly 1")
