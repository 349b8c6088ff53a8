"""The nightly DAG on a real PostgreSQL metadata database, as docker/compose.yaml deploys it.

The test starts its own PostgreSQL server (Debian's postgresql package: initdb into a temporary folder,
127.0.0.1 on a free port, its socket in the same folder), migrates Airflow's schema into it and runs the
nightly DAG end to end on the sample data through a scheduler and the LocalExecutor. The server is
stopped at teardown whatever happened.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from core.settings import load_settings
from planwatch.runs import RunStore
from tests.conftest import BIN, Project, airflow_env, make_project

pytestmark = pytest.mark.slow

# what is tested is the scheduler, the executor and the pool, not the data: a night of the first quarter
# loads a third fewer releases than one as of September
AS_OF = "2024-03"


def _pg_bin() -> Path | None:
    if env := os.environ.get("PLANWATCH_PG_BIN"):
        return Path(env)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Postgres:
    port: int
    user: str = "airflow"
    database: str = "airflow"

    @property
    def sqlalchemy_url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def query(self, sql: str, *params: object) -> list[tuple]:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=self.database)
        try:
            with con.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """A private PostgreSQL server for this module; PostgreSQL refuses to run as root, so under root the
    server runs as the `postgres` system user (created by Debian's package)."""
    pytest.importorskip(
        "psycopg2", reason="psycopg2 (psycopg2-binary), the PostgreSQL driver, is not installed"
    )
    pytest.importorskip("asyncpg", reason="asyncpg, Airflow 3's async PostgreSQL driver, is not installed")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries not found: run scripts/system_deps.sh (apt-get install postgresql)"
        )
    prefix: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        prefix = ["runuser", "-u", owner.pw_name, "--"]

    # Not under pytest's tmp_path: that folder is private to root, and the server's user must reach it.
    base = Path(tempfile.mkdtemp(prefix="planwatch-pg-"))
    if owner:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    server = Postgres(port=_free_port())

    def pg(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*prefix, *args], capture_output=True, text=True, check=check, timeout=120)

    try:
        pg(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            server.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories={base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = pg(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            check=False,
        )
        if started.returncode != 0:
            pytest.fail(
                f"PostgreSQL did not start: {started.stderr}\n{log.read_text() if log.exists() else ''}"
            )
        pg(
            str(bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            server.user,
            server.database,
        )
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            stopped = pg(
                str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop", check=False
            )
            if stopped.returncode != 0 and (data / "postmaster.pid").exists():
                pid = int((data / "postmaster.pid").read_text().splitlines()[0])
                os.kill(pid, 9)  # the postmaster this fixture started, by its own pid file
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Deployment:
    project: Project
    env: dict[str, str]
    airflow_home: Path

    def airflow(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "airflow"), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture(scope="module")
def deployment(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """A planwatch project whose Airflow uses the Postgres server: migrated, with the DuckDB pool."""
    project = make_project(tmp_path_factory.mktemp("pg-project"))
    home = tmp_path_factory.mktemp("pg-airflow")
    env = airflow_env(home, project)
    env.update(
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgres.sqlalchemy_url,
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
    )
    dep = Deployment(project, env, home)
    started = time.monotonic()
    migrated = dep.airflow("db", "migrate")
    assert migrated.returncode == 0, migrated.stdout[-2000:] + migrated.stderr[-3000:]
    print(f"airflow db migrate on PostgreSQL: {time.monotonic() - started:.1f} s")
    pool = dep.airflow("pools", "set", "planwatch_duckdb", "1", "duckdb writers")
    assert pool.returncode == 0, pool.stderr[-2000:]
    return dep


def test_airflow_schema_is_migrated_into_postgres(postgres: Postgres, deployment: Deployment) -> None:
    assert postgres.query("select slots from slot_pool where pool = %s", "planwatch_duckdb") == [(1,)]
    assert postgres.query("select count(*) from alembic_version")[0][0] == 1
    assert not (deployment.airflow_home / "airflow.db").exists()  # nothing fell back to SQLite


@pytest.fixture
def airflow_services(postgres: Postgres, deployment: Deployment) -> Iterator[dict[str, str]]:
    """The deployment's long-running components on this machine: the api-server's execution API (task
    state and XCom go through it in Airflow 3), a dag-processor and a scheduler with the LocalExecutor.
    Cron schedules are switched off so that only the run the test triggers exists."""
    port = _free_port()
    env = dict(deployment.env)
    env.update(
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__API_AUTH__JWT_SECRET=os.urandom(16).hex(),
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",
        AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK="False",
    )
    logs = deployment.airflow_home / "services"
    logs.mkdir(exist_ok=True)
    commands = {
        "api-server": ["api-server", "--apps", "execution", "--host", "127.0.0.1", "--port", str(port)],
        "dag-processor": ["dag-processor"],
        "scheduler": ["scheduler"],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, args in commands.items():
            with (logs / f"{name}.log").open("wb") as out:
                procs[name] = subprocess.Popen(
                    [str(BIN / "airflow"), *args],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        yield {"logs": str(logs), **env}
    finally:
        for proc in procs.values():  # each component in its own process group: stop it and its children
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _wait_for(what: str, check: Callable[[], object], timeout: float, logs: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(2)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; component logs in {logs}")


def test_scheduler_runs_the_nightly_dag_with_the_local_executor_and_the_pool(
    postgres: Postgres,
    deployment: Deployment,
    airflow_services: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As in production, minus Celery: the night's run and every task instance are kept in PostgreSQL, the
    scheduler queues the triggered run's tasks, the LocalExecutor runs each in its own process, and the
    one-slot pool keeps DuckDB writers from overlapping. The night publishes the samples' warehouse.
    (One night for both: an `airflow dags test` night on PostgreSQL first proved nothing this one does not,
    and cost a minute of make test.)"""
    env, logs = airflow_services, airflow_services["logs"]
    started = time.monotonic()
    _wait_for(
        "the dag-processor to serialise planwatch_nightly",
        lambda: postgres.query("select 1 from serialized_dag where dag_id = %s", "planwatch_nightly"),
        180,
        logs,
    )

    def cli(*args: str) -> None:
        proc = subprocess.run(
            [str(BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr[-2000:]

    run_id = "pg_scheduler_run"
    cli("dags", "unpause", "planwatch_nightly")
    conf = json.dumps({"as_of": AS_OF})
    cli("dags", "trigger", "planwatch_nightly", "--run-id", run_id, "--conf", conf)
    state = _wait_for(
        "the triggered run to finish",
        lambda: next(
            (
                s
                for (s,) in postgres.query("select state from dag_run where run_id = %s", run_id)
                if s in {"success", "failed"}
            ),
            None,
        ),
        480,
        logs,
    )
    print(f"scheduler + LocalExecutor run on PostgreSQL: {time.monotonic() - started:.1f} s")
    tasks = postgres.query(
        "select task_id, map_index, state, pool, start_date, end_date, queued_by_job_id, executor"
        " from task_instance where run_id = %s order by start_date",
        run_id,
    )
    assert state == "success", [t[:3] for t in tasks]
    assert {t[2] for t in tasks} == {"success"}
    assert {"prepare", "fetch_sources", "load_sources", "plan_night", "dbt_build", "validate", "publish"} <= {
        t[0] for t in tasks
    }
    (recorded,) = postgres.query("select conf from dag_run where run_id = %s", run_id)[0]
    assert (json.loads(recorded) if isinstance(recorded, str) else recorded) == {"as_of": AS_OF}
    assert all(t[6] is not None for t in tasks)  # queued by the scheduler job, run by the executor
    writers = [(t[0], t[1], t[4], t[5]) for t in tasks if t[3] == "planwatch_duckdb"]
    assert {"load_sources", "dbt_build", "validate", "publish"} <= {w[0] for w in writers}
    for earlier, later in zip(writers, writers[1:], strict=False):
        assert earlier[3] <= later[2], f"DuckDB writers overlapped: {earlier[:2]} and {later[:2]}"
    published = postgres.query(
        "select count(*) from asset_event e join asset a on a.id = e.asset_id where a.name = %s",
        "planwatch_serving_warehouse",
    )
    assert published[0][0] >= 1  # another DAG can be scheduled on "the warehouse was published"

    for key, value in deployment.project.env().items():
        if key.startswith("PLANWATCH_"):
            monkeypatch.setenv(key, value)
    serving = load_settings().serving_db
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select count(*) from marts.fct_target_progress where as_of_month = ?", [f"{AS_OF}-01"]
        ).fetchone()
    assert rows is not None and rows[0] > 0
    record = RunStore(deployment.project.state / "runs").latest()
    assert record is not None and record.publish is not None and not record.failed_sources
