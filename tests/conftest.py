"""Shared fixtures: the repository, a private state folder per test, and a local Airflow home."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.contracts import RAW_ALIAS
from core.settings import Settings, load_settings
from planwatch.runs import RunRecord, RunStore


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow (end-to-end) tests first, each file's tests in their order: `make test` runs files
    on two workers (pytest-xdist --dist loadfile) in this order, so the minutes-long files start at once
    and the short ones fill in after, instead of one long file running alone at the end."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    whole_nights = ("e2e", "reliability")  # the longest files: several whole nights each
    # files of half a minute to two without the slow marker: started before the many short files, so that
    # the run does not end with one worker on one of them and the other idle (the tail of the path order)
    heavy = {Path(__file__).parent / name for name in HEAVY_FILES}
    items.sort(
        key=lambda item: (
            item.path not in slow,
            item.path.parent.name not in whole_nights,
            item.path not in heavy,
        )
    )


HEAVY_FILES = (
    "samples/test_generate.py",
    "test_code_quality.py",
    "dbt/test_dbt_build.py",
    "dbt/test_returns_build.py",
    "ingest/test_sources.py",
    "ingest/test_commands.py",
)


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

    @contextlib.contextmanager
    def active(self) -> Iterator[Settings]:
        """This project's settings for the steps called in this process (they read the environment). The
        whole of os.environ is put back afterwards: dbt's step adds the build's paths and the run id to it."""
        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.env().items() if k.startswith("PLANWATCH_")})
        try:
            yield load_settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @property
    def settings(self) -> Settings:
        with self.active() as settings:
            return settings


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
    shutil.copyfile(home / "airflow.db", home.parent / "airflow-migrated-without-pool.db")
    subprocess.run(
        [str(BIN / "airflow"), "pools", "set", "planwatch_duckdb", "1", "duckdb writers"],
        env=env,
        check=True,
        capture_output=True,
    )
    return home


@pytest.fixture
def airflow_home_without_pool(airflow_home: Path, tmp_path: Path) -> Path:
    """A fresh Airflow home whose metadata database is migrated but has no planwatch_duckdb pool: a copy
    of the session's database as `airflow db migrate` left it, before the pool was set."""
    home = tmp_path / "airflow_without_pool"
    home.mkdir()
    shutil.copyfile(airflow_home.parent / "airflow-migrated-without-pool.db", home / "airflow.db")
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


def run_steps(
    project: Project, run_id: str, as_of: str | None = None, logical_date: datetime | None = None
) -> RunResult:
    """One night through the DAG's steps in this process (tests/reliability/night.py), without Airflow: a
    fresh interpreter costs about 6 s of CPU importing dbt, Great Expectations and the steps, and an
    `airflow dags test` 10-15 s more. Its output is the problems it printed, one line each."""
    from tests.reliability.night import run_night  # imports dbt and the steps: only for tests that run one

    problems = io.StringIO()
    with project.active(), contextlib.redirect_stderr(problems):
        code = run_night(run_id, as_of, logical_date=logical_date)
    return RunResult(code, problems.getvalue(), RunStore(project.state / "runs").load(run_id))


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


def shared_across_workers(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """A folder made once per test session by whichever pytest-xdist worker asks first, under a file lock
    in the session's base temp folder; the other workers wait for it and reuse it. Callers copy what they
    change (each worker's session fixtures keep their own copy), so nothing is written here after `make`."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / f"shared-{name}"
    with (root / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, or the worker dies
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


@dataclass
class Warehouse:
    """A raw file loaded with the sample data and a dbt build of it, made once per test session."""

    raw_db: Path
    build_db: Path
    state: Path


def _build_warehouse(state: Path) -> None:
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


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Loaded and built once for the whole session (about a minute), shared by both xdist workers; each
    worker gets its own copy of the files, as when it built them itself."""
    shared = shared_across_workers(tmp_path_factory, "warehouse", _build_warehouse)
    state = tmp_path_factory.mktemp("warehouse_state")
    shutil.copytree(shared, state, dirs_exist_ok=True)
    return Warehouse(state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb", state)


@dataclass
class PrivateData(Project):
    """A project whose releases are a private copy of the samples, so that a test can revise one."""

    data_root: Path = field(default=Path())

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(PLANWATCH_DATA_ROOT=str(self.data_root), **extra)


def moved_copy(folders: tuple[Path, ...], tmp: Path, state: Path) -> list[Path]:
    """Folders of a deployment moved to `tmp`, as if its nights had run there: a copy that keeps what the
    state relies on (hard links: the serving file is its publish's archive; relative symlinks: `current` of
    the exports), with the absolute paths the state's records hold (the serving file, the reports a
    publish wrote, data docs: the .json records under `state`, one of the folders) rewritten to the
    copy's, so that the copy never reads or trusts the original's files. Returns the copies, in order."""
    tmp.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        subprocess.run(["cp", "-a", str(folder), str(tmp / folder.name)], check=True)
    moved = {f"{folder}/": f"{tmp / folder.name}/" for folder in folders}
    moved |= {f'{folder}"': f'{tmp / folder.name}"' for folder in folders}
    for record in (tmp / state.name).rglob("*.json"):
        text = record.read_text(encoding="utf-8")
        if any(old in text for old in moved):
            for old, new in moved.items():
                text = text.replace(old, new)
            record.write_text(text, encoding="utf-8")
    return [tmp / folder.name for folder in folders]


def copy_private(proj: PrivateData, tmp: Path) -> PrivateData:
    """The project moved to `tmp` (`moved_copy`)."""
    return PrivateData(*moved_copy((proj.home, proj.state, proj.data_root), tmp, proj.state))


@dataclass
class FirstNight:
    """A project after its first real night (`airflow dags test`, as of 2024-09, on a private copy of the
    sample releases: everything built and published), made once per session and copied for each test."""

    project: PrivateData
    result: RunResult

    def copy(self, tmp: Path) -> PrivateData:
        return copy_private(self.project, tmp)


@pytest.fixture(scope="session")
def first_night(tmp_path_factory: pytest.TempPathFactory, airflow_home: Path) -> FirstNight:
    """The first night of the sample data is the same night wherever a test needs one behind it: it is run
    once per session (by the first xdist worker that asks, in its Airflow metadata database) and each
    test works on a copy of the project it left (tests/e2e/test_incremental.py, test_nightly_dag.py)."""

    def make(folder: Path) -> None:
        base = make_project(folder)
        data = folder / "data"
        shutil.copytree(SAMPLES, data)
        started = datetime.now(UTC)
        first = run_nightly(PrivateData(base.home, base.state, data), airflow_home)
        (folder / "first_night.json").write_text(
            json.dumps(
                {"returncode": first.returncode, "output": first.output, "started": started.isoformat()}
            )
        )

    folder = shared_across_workers(tmp_path_factory, "first_night", make)
    saved = json.loads((folder / "first_night.json").read_text())
    proj = PrivateData(folder / "home", folder / "state", folder / "data")
    started = datetime.fromisoformat(saved["started"])
    record = RunStore(proj.state / "runs").since(started) or RunRecord()
    return FirstNight(proj, RunResult(saved["returncode"], saved["output"], record))


@pytest.fixture(scope="session")
def returns_warehouse(built_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The sample data plus a few months of three bureaus' progress returns (tests/dbt/returns_fixture.py),
    built by dbt once per session for both workers (tests/dbt/test_returns_build.py and the reports of
    returns read the same build); each worker gets its own copy of the files."""
    from tests.dbt.returns_fixture import sample_returns, write_returns
    from tests.dbt.test_dbt_build import dbt_build

    def make(state: Path) -> None:
        (state / "warehouse").mkdir()
        raw, build = state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb"
        shutil.copyfile(built_warehouse.raw_db, raw)
        write_returns(raw, sample_returns())
        proc = dbt_build(state, raw, build)
        assert proc.returncode == 0, proc.stdout[-4000:]

    shared = shared_across_workers(tmp_path_factory, "returns_warehouse", make)
    state = tmp_path_factory.mktemp("returns_state")
    shutil.copytree(shared, state, dirs_exist_ok=True)
    return Warehouse(state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb", state)
