"""The environment planwatch runs Airflow in locally: an embedded SQLite metadata database under the
ignored folder .airflow/, the project's dags/ folder, no example DAGs. Production (docker/) sets its own.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from core.settings import Settings

DUCKDB_POOL = "planwatch_duckdb"


def airflow_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    home = settings.home / ".airflow"
    env.setdefault("AIRFLOW_HOME", str(home))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(settings.home / "dags"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
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
    import sys

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
            [airflow_bin(), "pools", "set", DUCKDB_POOL, "1", "serialises every writer of the DuckDB files"],
            env=env,
            check=True,
            stdout=out,
            stderr=out,
        )
    finally:
        if log_file and not isinstance(out, int):
            out.close()
    marker.write_text("ok\n")
