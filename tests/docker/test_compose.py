"""docker/: the production deployment's files, checked without a Docker engine (there is none here).

What can go wrong in a compose file that nobody can `up` on this machine: a command the image does not
have, an environment variable the code reads and the deployment never sets, a volume one service writes and
another never sees, an image that does not install from the lock everybody else tests, a secret committed
in the example env file. Each test below catches one of these.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import BIN, REPO

DOCKER = REPO / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
ENV_EXAMPLE = DOCKER / ".env.example"
INIT_SCRIPT = DOCKER / "airflow-init.sh"

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-worker-duckdb",
}
REQUIRED_SERVICES = {"postgres", "redis", *AIRFLOW_SERVICES}

# PLANWATCH_* variables the code reads that a deployment must NOT set, and why.
NOT_DEPLOYMENT_SETTINGS = {
    "PLANWATCH_AS_OF": "demo runs only: the nightly run takes the month before its logical date",
    "PLANWATCH_BUILD_DB": "set by the DAG for the dbt task (from PLANWATCH_STATE_DIR)",
    "PLANWATCH_RAW_DB": "set by the DAG for the dbt task (from PLANWATCH_STATE_DIR)",
    "PLANWATCH_RAW_ALIAS": "set by the DAG for the dbt task (core.contracts.RAW_ALIAS)",
    "PLANWATCH_RUN_ID": "set by the DAG for the dbt task (the Airflow run id, for the build marker)",
    "PLANWATCH_FAULT": "tests only: kills the process at a named checkpoint (core/faults.py)",
    "PLANWATCH_FAULT_DIR": "tests only: where a checkpoint says it was reached (core/faults.py)",
}


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def env_of(name: str) -> dict[str, str]:
    env = services()[name].get("environment") or {}
    assert isinstance(env, dict), f"{name}: write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, args in dockerfile_instructions():
        if word == "ENV":
            for token in shlex.split(args):
                key, _, value = token.partition("=")
                env[key] = value
    return env


def image_entrypoint() -> list[str]:
    entry = [json.loads(args) for word, args in dockerfile_instructions() if word == "ENTRYPOINT"]
    assert entry, "the Dockerfile declares an ENTRYPOINT"
    return entry[-1]


def argv_of(service: dict[str, Any]) -> list[str]:
    ours = service.get("image") == services()["airflow-apiserver"]["image"]
    entry = service.get("entrypoint", image_entrypoint() if ours else [])
    command = service.get("command", [])
    entry = shlex.split(entry) if isinstance(entry, str) else list(entry)
    command = shlex.split(command) if isinstance(command, str) else list(command)
    return entry + command


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} and $$, from env (the example env file)."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if op == ":-":
            return env.get(name) or arg
        return env.get(name, "")

    escaped = value.replace("$$", "\0")
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?|-|\?)([^}]*))?\}", one, escaped).replace("\0", "$")


def example_env() -> dict[str, str]:
    env = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def airflow_invocations() -> list[list[str]]:
    """Every `airflow ...` the deployment runs: service commands, healthchecks and the init script."""
    calls: list[list[str]] = []
    for service in services().values():
        argv = argv_of(service)
        if argv[:1] == ["airflow"]:
            calls.append(argv[1:])
        test = (service.get("healthcheck") or {}).get("test") or []
        if test[:1] == ["CMD-SHELL"] and test[1].startswith("airflow "):
            calls.append(shlex.split(interpolate(test[1], {}).replace("${HOSTNAME}", "host"))[1:])
    for line in INIT_SCRIPT.read_text(encoding="utf-8").splitlines():
        for match in re.finditer(r"(?:^|\$\(|&&|;)\s*airflow\s+([^|);&#\n]*)", line.strip()):
            calls.append(shlex.split(match.group(1)))
    return calls


def pool_in_dag() -> str:
    """The pool the nightly DAG's writers use (planwatch.airflow_env.DUCKDB_POOL, which the DAG imports)."""
    from planwatch.airflow_env import DUCKDB_POOL

    assert "DUCKDB_POOL" in (REPO / "dags" / "planwatch_nightly.py").read_text()
    return DUCKDB_POOL


# The image's view of Airflow: parse every invocation with Airflow's own CLI parser and load the DAGs, in
# one subprocess with the deployment's environment (CeleryExecutor), as the containers would.
PROBE = r"""
import json, sys
from airflow.cli.cli_parser import get_parser

result = {"cli_errors": {}, "tasks": {}, "import_errors": {}}
parser = get_parser()
for argv in json.loads(sys.argv[1]):
    try:
        parser.parse_args(argv)
    except SystemExit as exc:
        result["cli_errors"][" ".join(argv)] = f"exit {exc.code}"

from airflow.dag_processing.dagbag import DagBag

bag = DagBag()
result["import_errors"] = {str(k): str(v)[-500:] for k, v in bag.import_errors.items()}
for dag_id, dag in bag.dags.items():
    for task in dag.tasks:
        result["tasks"][f"{dag_id}.{task.task_id}"] = {"queue": task.queue, "pool": task.pool}
import airflow.providers.celery.executors.celery_executor as celery_executor
result["celery_app"] = type(celery_executor.app).__module__
print("PROBE" + json.dumps(result))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = dict(image_env())
    example = example_env()
    for key, value in env_of("airflow-worker").items():
        env[key] = interpolate(value, example)
    home = tmp_path_factory.mktemp("airflow-probe")
    env.update(
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",  # parsing needs no database
        PATH=f"{BIN}:/usr/bin:/bin",
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        PLANWATCH_HOME=str(REPO),
        PLANWATCH_STATE_DIR=str(home / "state"),
        PLANWATCH_DATA_ROOT=str(REPO / "data" / "samples"),
        AIRFLOW__COSMOS__CACHE_DIR=str(home / "cosmos"),
    )
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(airflow_invocations())],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=home,
    )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("PROBE")), None)
    assert line, f"probe failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return json.loads(line[len("PROBE") :])


def test_compose_file_has_the_airflow_3_services() -> None:
    assert set(services()) >= REQUIRED_SERVICES
    for name in AIRFLOW_SERVICES:
        assert services()[name]["image"] == services()["airflow-apiserver"]["image"], name
    assert argv_of(services()["airflow-apiserver"]) == ["airflow", "api-server"]
    assert "webserver" not in json.dumps(compose())  # Airflow 3: the api-server replaced it


def test_every_airflow_command_is_one_the_image_has(probe: dict[str, Any]) -> None:
    calls = {" ".join(call) for call in airflow_invocations()}
    assert {"api-server", "scheduler", "dag-processor", "triggerer", "db migrate"} <= calls
    assert any(call.startswith("celery worker") for call in calls)
    assert probe["cli_errors"] == {}


def test_the_image_has_the_celery_and_postgres_drivers_in_its_lock() -> None:
    """The image installs uv.lock and nothing else: the executor, broker and database drivers the compose
    file configures must be locked packages, not something installed by hand into a developer's venv."""
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    locked = {package["name"] for package in lock["package"]}
    env = env_of("airflow-worker")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    needed = {
        "apache-airflow-providers-celery": "CeleryExecutor and `airflow celery worker`",
        "redis": "broker",
    }
    if "+psycopg2" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]:
        needed["psycopg2-binary"] = "postgresql+psycopg2:// metadata database"
    if "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC" not in env:
        # Airflow 3 also opens the metadata database asynchronously, deriving postgresql+asyncpg:// from
        # the sync URL: without asyncpg no Airflow command starts.
        needed["asyncpg"] = "Airflow's async metadata engine"
    missing = {
        name: why
        for name, why in needed.items()
        if name not in locked and name.removesuffix("-binary") not in locked
    }
    assert not missing, f"add to pyproject.toml dependencies and re-lock: {missing}"


def test_worker_healthchecks_use_commands_the_image_has(probe: dict[str, Any]) -> None:
    for name in ("airflow-worker", "airflow-worker-duckdb"):
        test = services()[name]["healthcheck"]["test"]
        app = re.search(r"celery --app ([\w.]+)\.app ", test[1])
        assert app and app.group(1) == "airflow.providers.celery.executors.celery_executor", name
    assert probe["celery_app"].startswith("celery")
    assert (BIN / "celery").exists()
    for name, service in services().items():
        test = (service.get("healthcheck") or {}).get("test") or []
        if test[:3] == ["CMD", "python", "-c"]:
            compile(test[3], f"{name} healthcheck", "exec")  # python:3.11-slim has no curl


def test_init_creates_the_pool_every_duckdb_task_uses(probe: dict[str, Any]) -> None:
    created = {call[2]: call[3] for call in airflow_invocations() if call[:2] == ["pools", "set"]}
    assert created.get(pool_in_dag()) == "1"
    assert probe["import_errors"] == {}
    pools = {task["pool"] for task in probe["tasks"].values()}
    assert pools <= {"default_pool", *created}, pools


def test_every_task_queue_has_a_worker_and_the_duckdb_worker_runs_one_task_at_a_time(
    probe: dict[str, Any],
) -> None:
    consumed: dict[str, str] = {}
    for name, service in services().items():
        argv = argv_of(service)
        if argv[1:3] == ["celery", "worker"]:
            queues = argv[argv.index("--queues") + 1] if "--queues" in argv else "default"
            for queue in queues.split(","):
                consumed[queue] = name
    assert {task["queue"] for task in probe["tasks"].values()} <= set(consumed)
    duckdb_worker = services()["airflow-worker-duckdb"]
    argv = argv_of(duckdb_worker)
    assert argv[argv.index("--queues") + 1] == "duckdb"
    assert argv[argv.index("--concurrency") + 1] == "1"
    assert "deploy" not in duckdb_worker and "scale" not in duckdb_worker
    general = services()["airflow-worker"]
    assert "container_name" not in general and "ports" not in general  # `--scale airflow-worker=N` works


def test_every_setting_the_code_reads_is_set_by_the_deployment() -> None:
    read = set()
    for folder in (
        "core",
        "ingest",
        "expectations",
        "publishing",
        "reporting",
        "planwatch",
        "dags",
        "dbt_project",
    ):
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".py", ".yml", ".sql"} and "target" not in path.parts:
                read |= set(re.findall(r"\bPLANWATCH_[A-Z][A-Z0-9_]*\b", path.read_text(encoding="utf-8")))
    env = {**image_env(), **env_of("airflow-worker")}
    for name, why in NOT_DEPLOYMENT_SETTINGS.items():
        assert name not in env, f"{name} must not be set in production: {why}"
    assert read - set(NOT_DEPLOYMENT_SETTINGS) <= set(env), "unset: " + ", ".join(
        sorted(read - set(NOT_DEPLOYMENT_SETTINGS) - set(env))
    )
    for name in AIRFLOW_SERVICES:
        service_env = {**image_env(), **env_of(name)}
        for key in (
            "PLANWATCH_HOME",
            "PLANWATCH_STATE_DIR",
            "PLANWATCH_DATA_ROOT",
            "AIRFLOW__CORE__EXECUTOR",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            "AIRFLOW__CELERY__BROKER_URL",
            "AIRFLOW__CELERY__RESULT_BACKEND",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
            "AIRFLOW__API_AUTH__JWT_SECRET",
            "AIRFLOW__CORE__FERNET_KEY",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY",
        ):
            assert service_env.get(key), f"{name}: {key} not set"
        assert service_env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"


def test_connections_and_variables_the_code_uses_come_from_the_environment() -> None:
    from ingest.registry import load_registry
    from planwatch import alerts

    env = env_of("airflow-worker")
    wanted = {
        f"AIRFLOW_CONN_{alerts.SMTP_CONN_ID.upper()}",
        f"AIRFLOW_VAR_{alerts.RECIPIENTS_VARIABLE.upper()}",
    }
    for source in load_registry(REPO / "config" / "sources").values():
        if source.credentials and source.credentials.airflow_conn_id:
            wanted.add(f"AIRFLOW_CONN_{source.credentials.airflow_conn_id.upper()}")
        elif source.credentials and source.credentials.env:
            wanted.add(source.credentials.env)
    assert wanted <= set(env), sorted(wanted - set(env))
    assert wanted <= set(example_env()), sorted(wanted - set(example_env()))


def test_volumes_are_declared_and_shared_where_the_code_expects_them() -> None:
    declared = set(compose().get("volumes") or {})
    used: set[str] = set()
    state_dir = image_env()["PLANWATCH_STATE_DIR"]
    logs = image_env()["AIRFLOW_HOME"] + "/logs"
    for name, service in services().items():
        mounts: dict[str, str] = {}
        for volume in service.get("volumes") or []:
            source, target = interpolate(volume, example_env()).split(":")[:2]
            mounts[target] = source
            if source.startswith((".", "/")):
                assert (DOCKER / source).exists(), f"{name}: bind mount {volume} does not exist"
            else:
                used.add(source)
        if name not in AIRFLOW_SERVICES:
            continue
        assert mounts.get(logs) == "airflow-logs", f"{name}: task logs must be on the shared logs volume"
        env = {**image_env(), **env_of(name)}
        if argv_of(service)[1:3] == ["celery", "worker"] or name == "airflow-init":
            assert mounts.get(env["PLANWATCH_STATE_DIR"]) == "planwatch-data", f"{name}: no warehouse volume"
        if argv_of(service)[1:3] == ["celery", "worker"]:
            assert env["PLANWATCH_DATA_ROOT"] in mounts, f"{name}: bureau releases not mounted"
    assert used == declared, (used, declared)
    assert state_dir == "/data"
    passwords = env_of("airflow-apiserver")["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    for name in ("airflow-init", "airflow-apiserver"):
        targets = {v.split(":")[1]: v.split(":")[0] for v in services()[name]["volumes"] if "$" not in v}
        assert targets.get(str(Path(passwords).parent)) == "airflow-auth", name


def test_image_installs_the_project_from_the_same_lock() -> None:
    instructions = dockerfile_instructions()
    runs = " ".join(args for word, args in instructions if word == "RUN")
    froms = [args for word, args in instructions if word in {"FROM", "ARG"}]
    assert any("python:3.11-slim" in line for line in froms)
    syncs = re.findall(r"uv sync[^&;]*", runs)
    assert syncs and all("--frozen" in s and "--no-dev" in s and "--compile-bytecode" in s for s in syncs)
    assert "uv pip install" not in runs and "requirements" not in runs  # nothing beside the lock
    make_uv = re.search(r"^UV_VERSION\s*:=\s*(\S+)", (REPO / "Makefile").read_text(), re.M)
    docker_uv = re.search(r"ARG UV_VERSION=(\S+)", DOCKERFILE.read_text())
    assert make_uv and docker_uv and make_uv.group(1) == docker_uv.group(1)
    assert re.search(r"pip install [^&;]*uv==\$\{UV_VERSION\}", runs)

    copied = {
        args.split()[-2].rstrip("/") for word, args in instructions if word == "COPY" and "--from" not in args
    }
    copied |= {
        src.rstrip("/")
        for word, args in instructions
        if word == "COPY" and "--from" not in args
        for src in args.split()[:-1]
        if not src.startswith("--")
    }
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    assert packages | {"dags", "dbt_project", "config", "uv.lock", "pyproject.toml", "README.md"} <= copied
    users = [args for word, args in instructions if word == "USER"]
    assert users and users[-1] not in {"root", "0"}
    env = image_env()
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == env["PLANWATCH_HOME"] + "/dags"


def test_build_context_sends_what_the_dockerfile_copies() -> None:
    ignored = [
        line.strip()
        for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for word, args in dockerfile_instructions():
        if word == "COPY" and "--from" not in args:
            for src in [s for s in args.split()[:-1] if not s.startswith("--")]:
                top = src.rstrip("/").split("/")[0]
                assert top not in ignored and src.rstrip("/") not in ignored, (
                    f"{src} is excluded from the context"
                )
                assert (REPO / src).exists(), f"COPY {src}: no such path in the repository"
    assert {".venv", ".git", "warehouse", "docker/.env"} <= set(ignored)


def test_env_example_holds_no_secrets_and_every_required_variable() -> None:
    env = example_env()
    secretish = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_AUTH$|_KEY$")
    for key, value in env.items():
        if secretish.search(key):
            assert value in {"", "change-me"} or value.endswith(":change-me"), (
                f"{key} has a real-looking value"
            )
        assert not re.fullmatch(r"[A-Za-z0-9_\-]{40,}={0,2}", value), f"{key} looks like a generated secret"
        if key.startswith("AIRFLOW_CONN_") and value:
            assert "change-me" in value, key
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", json.dumps(compose())))
    assert required <= set(env), sorted(required - set(env))
    referenced = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", json.dumps(compose())))
    assert set(env) <= referenced, f"unused in compose.yaml: {sorted(set(env) - referenced)}"
    gitignore = DOCKER / ".gitignore"
    assert gitignore.exists() and ".env" in gitignore.read_text().split()


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI on this machine")
    version = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.skip("the docker CLI has no compose plugin on this machine")
    proc = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "--env-file", str(ENV_EXAMPLE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_init_refuses_placeholder_and_short_secrets_before_touching_anything(tmp_path: Path) -> None:
    """Copied .env.example unchanged: airflow-init stops at once, naming every weak secret."""
    env = dict(example_env())
    env |= {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    out = subprocess.run(["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2
    assert "refusing to initialise" in out.stderr
    for name in (
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW_ADMIN_PASSWORD",
    ):
        assert name in out.stderr
    assert "airflow" not in out.stdout.lower()  # nothing ran: no migration, no pool, no password file


def test_the_deployment_runs_airflow_in_the_districts_time_zone() -> None:
    from core.settings import load_settings

    env = services()["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == load_settings().nightly().timezone
    assert env["PLANWATCH_UMASK"].endswith("027}")
