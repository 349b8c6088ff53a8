"""One real serving warehouse for the report tests: sample releases ingested, dbt built, published.

Built once per session (about 15 s): ingest -> dbt build of the seeds and the progress mart (a subprocess, target and logs in the tmp
folder so the repository's dbt_project/target is untouched) -> publish. The reports are generated once
from it; the tests read them back and compare with the mart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AS_OF = date(2024, 9, 1)


@pytest.fixture(scope="session")
def serving_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from planwatch.nightly import ensure_raw, ingest_one, publish, source_ids
    from planwatch.settings import load_settings

    state = tmp_path_factory.mktemp("report_state")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANWATCH_STATE_DIR", str(state))
        mp.delenv("PLANWATCH_HOME", raising=False)
        mp.delenv("PLANWATCH_DATA_ROOT", raising=False)
        settings = load_settings()
        ensure_raw(settings)
        for source_id in source_ids(settings):
            ingest_one(source_id, f"{AS_OF:%Y-%m}", settings)
        env = dict(
            os.environ,
            PLANWATCH_BUILD_DB=str(settings.build_db),
            PLANWATCH_RAW_DB=str(settings.raw_db),
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        )
        dbt = subprocess.run(
            [
                str(BIN / "dbt"),
                "build",
                # the seeds and what the progress mart needs, without data tests: marts other helpers are
                # writing must not break the report's fixture (their own tests cover them)
                "--select",
                "resource_type:seed +fct_target_progress",
                "--exclude",
                "resource_type:test",
                "--profiles-dir",
                ".",
                "--target-path",
                str(state / "dbt_target"),
                "--log-path",
                str(state / "dbt_logs"),
                "--vars",
                f'{{as_of_month: "{AS_OF:%Y-%m}"}}',
            ],
            cwd=settings.dbt_project_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert dbt.returncode == 0, dbt.stdout[-3000:] + dbt.stderr[-2000:]
        return Path(publish(settings)["serving_db"])


@pytest.fixture(scope="session")
def generated(serving_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from planwatch.report import generate

    out = tmp_path_factory.mktemp("reports")
    return generate(serving_db, AS_OF, out) | {"out_dir": out}


@pytest.fixture(scope="session")
def mart(serving_db: Path) -> dict[str, dict[str, Any]]:
    """The mart's rows for the as-of month, by target, read here independently of the report's queries."""
    with duckdb.connect(str(serving_db), read_only=True) as con:
        cur = con.execute("select * from marts.fct_target_progress where as_of_month = ?", [AS_OF])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return {r["target_id"]: r for r in rows}


@pytest.fixture(scope="session")
def status_rules(serving_db: Path) -> dict[str, dict[str, Any]]:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        cur = con.execute("select * from config.status_rules")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
