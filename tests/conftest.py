"""Shared fixtures: the repository, a private state folder per test, and a local Airflow home."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.contracts import RAW_ALIAS
from planwatch.runs import RunRecord, RunStore


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow (end-to-end) tests first, each file's tests in their order: `make test` runs files
    on two workers (pytest-xdist --dist loadfile) in this order, so the minutes-long files start at once
    and the short ones fill in after, instead of one long file running alone at the end."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    whole_nights = ("e2e", "reliability")  # the longest files: several whole nights each
    items.sort(key=lambda item: (item.path not in slow, item.path.parent.name not in whole_nights))


REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "samples"
BIN = Path(sys.executable).parent


@pytest.fixture
def repo() -> Path:
    return REPO


@dataclass
class Project:
    """A planwatch home for one test: its own config, dbt project copy and state folder."""

    home: Path
    state: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PLANWATCH_HOME=str(self.home),
            PLANWATCH_STATE_DIR=str(self.state),
            PLANWATCH_DATA_ROOT=str(SAMPLES),
        )
        env.update(extra)
        return env


def make_project(tmp: Path) -> Project:
    """Copy what a run reads (config, dbt project, dags) so a test can change it without touching the repo."""
    home = tmp / "home"
    home.mkdir()
    for name in ("config", "dags"):
        shutil.copytree(REPO / name, home / name)
    shutil.copytree(
        REPO / "dbt_project", home / "dbt_project", ignore=shutil.ignore_patterns("target", "logs")
    )
    (home / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    state = tmp / "state"
    state.mkdir()
    return Project(home, state)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    proj = make_project(tmp_path)
    for key, value in proj.env().items():
        if key.startswith("PLANWATCH_"):
            monkeypatch.setenv(key, value)
    return proj


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite metadata database for the whole session (migration takes ~10 s)."""
    home = tmp_path_factory.mktemp("airflow")
    env = airflow_env(home, None)
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [str(BIN / "airflow"), "pools", "set", "planwatch_duckdb", "1", "duckdb writers"],
        env=env,
        check=True,
        capture_output=True,
    )
    return home


def airflow_env(airflow_home: Path, project: Project | None) -> dict[str, str]:
    env = project.env() if project else dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(airflow_home),
        AIRFLOW__CORE__DAGS_FOLDER=str((project.home if project else REPO) / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{airflow_home / 'airflow.db'}",
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        DO_NOT_TRACK="1",
    )
    return env


@dataclass
class RunResult:
    returncode: int
    output: str
    record: RunRecord


def run_nightly(
    project: Project, airflow_home: Path, as_of: str | None = "2024-09", logical_date: datetime | None = None
) -> RunResult:
    """One real `airflow dags test` of the nightly DAG, as `planwatch run` does it. With a logical date
    and no as_of, the night is the scheduled one of that date (its as-of month is the month before)."""
    started = datetime.now(UTC)
    logical = (logical_date or started).replace(microsecond=0).isoformat()
    proc = subprocess.run(
        [
            str(BIN / "airflow"),
            "dags",
            "test",
            "planwatch_nightly",
            logical,
            "-c",
            json.dumps({"as_of": as_of} if as_of else {}),
        ],
        env=airflow_env(airflow_home, project),
        capture_output=True,
        text=True,
        timeout=600,
    )
    record = RunStore(project.state / "runs").since(started) or RunRecord()
    return RunResult(proc.returncode, proc.stdout + proc.stderr, record)


def load_samples(env: dict[str, str], as_of: str) -> None:
    """Load every registry source into the raw file of PLANWATCH_STATE_DIR, in a fresh process."""
    code = (
        "from core.settings import load_settings, parse_month\n"
        "from ingest.paths import IngestPaths\n"
        "from ingest.pipeline import ingest_source\n"
        "from ingest.registry import load_registry\n"
        "s = load_settings()\n"
        "for source in load_registry(s.sources_dir).values():\n"
        f"    ingest_source(source, IngestPaths.from_settings(s), parse_month({as_of!r}))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


@dataclass
class Warehouse:
    """A raw file loaded with the sample data and a dbt build of it, made once per test session."""

    raw_db: Path
    build_db: Path
    state: Path


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    state = tmp_path_factory.mktemp("warehouse_state")
    env = dict(
        os.environ, PLANWATCH_STATE_DIR=str(state), PLANWATCH_DATA_ROOT=str(SAMPLES), PLANWATCH_HOME=str(REPO)
    )
    load_samples(env, "2024-09")
    raw, build = state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb"
    env.update(PLANWATCH_RAW_DB=str(raw), PLANWATCH_BUILD_DB=str(build), PLANWATCH_RAW_ALIAS=RAW_ALIAS)
    proc = subprocess.run(
        [str(BIN / "dbt"), "build", "--profiles-dir", ".", "--vars", '{"as_of_month": "2024-09"}',
         "--target-path", str(state / "dbt_target"), "--log-path", str(state / "dbt_logs")],
        cwd=REPO / "dbt_project",
        env=env,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:]
    return Warehouse(raw, build, state)
