"""One real serving warehouse for the report tests: sample releases ingested, dbt built, published.

Built once per session (about 15 s): ingest -> dbt build of the seeds and the progress mart (a subprocess, target and logs in the tmp
folder so the repository's dbt_project/target is untouched) -> publish. The reports are generated once
from it; the tests read them back and compare with the mart.
"""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import Warehouse

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AS_OF = date(2024, 9, 1)
PLAN = "district_2024"  # the sample plan (dbt_project/seeds/plans.csv)


@pytest.fixture(scope="session")
def serving_db(built_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's real build of the sample data (tests/conftest.py), published as the nightly does."""
    from publishing.publish import publish

    root = tmp_path_factory.mktemp("report_serving")
    build = root / "build.duckdb"
    shutil.copyfile(built_warehouse.build_db, build)
    return publish(build, root / "planwatch.duckdb", root / "published").path


@pytest.fixture(scope="session")
def generated(serving_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from reporting import generate

    out = tmp_path_factory.mktemp("reports")
    return generate(serving_db, AS_OF, out, plan_id=PLAN) | {"out_dir": out}


@pytest.fixture(scope="session")
def mart(serving_db: Path) -> dict[str, dict[str, Any]]:
    """The mart's rows for the as-of month, by target, read here independently of the report's queries."""
    with duckdb.connect(str(serving_db), read_only=True) as con:
        cur = con.execute(
            "select * from marts.fct_target_progress where plan_id = ? and as_of_month = ?", [PLAN, AS_OF]
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return {r["target_id"]: r for r in rows}


@pytest.fixture(scope="session")
def source_titles() -> dict[str, str]:
    """source_id -> Chinese title, read from the registry files here, independently of the report."""
    import yaml

    titles = {}
    for path in sorted((REPO / "config" / "sources").glob("*.yml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        titles[entry["id"]] = entry["title"]
    return titles


@pytest.fixture(scope="session")
def status_rules(serving_db: Path) -> dict[str, dict[str, Any]]:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        cur = con.execute("select * from config.status_rules")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


@pytest.fixture(scope="session")
def returns_serving_db(returns_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample data plus a few months of three bureaus' progress returns (tests/dbt/returns_fixture.py),
    built by dbt (the session's build, tests/conftest.py) and published: what the report shows once bureaus
    return their progress."""
    from publishing.publish import publish

    root = tmp_path_factory.mktemp("returns_serving")
    build = root / "build.duckdb"
    shutil.copyfile(returns_warehouse.build_db, build)
    return publish(build, root / "planwatch.duckdb", root / "published").path


@pytest.fixture(scope="session")
def returns_generated(returns_serving_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from reporting import generate

    out = tmp_path_factory.mktemp("returns_reports")
    return generate(returns_serving_db, AS_OF, out, plan_id=PLAN) | {"out_dir": out}
