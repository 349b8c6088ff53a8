"""Benchmark: the nightly run against Airflow's own floor, measured in the same environment and run.

    .venv/bin/python benchmarks/bench_nightly.py [--rounds 3] [--per-model]

Floor: a bare two-task DAG under `airflow dags test` (interpreter start, Airflow import, metadata DB,
two no-op tasks). Nightly: `airflow dags test planwatch_nightly` on a private copy of the bundled
sample releases, three kinds of night, each round in this order so machine noise hits all alike:
- first load: a fresh state folder, every release new, everything built, validated and published;
- nothing new: the same inputs again (the night skips build, validation, publish and report);
- one source new: one bureau's latest release revised (a new release of human_resources_employment),
  so dbt rebuilds what is downstream of raw and validation runs that source's suite and the marts.
Also the cost of importing Great Expectations in a fresh interpreter (the validate step pays it), and
where each kind of night spends its time (task durations from Airflow's own log lines).
--per-model also times the alternative dbt layout, one cosmos task per dbt node rendered from the
manifest (LoadMode.DBT_MANIFEST, TestBehavior.BUILD), to show why the DAG uses one build task.
Prints medians and ratios against the floor; writes artifacts/bench/nightly.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REVISED_SOURCE, REVISED_PATH = "human_resources_employment", "human_resources/2024/rsj_jy_202409.csv"

FLOOR_DAG = """
import pendulum
from airflow.sdk import dag, task

@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def bench_floor():
    @task
    def first():
        return 1

    @task
    def second(x):
        return x + 1

    second(first())

bench_floor()
"""

PER_MODEL_DAG = """
import pendulum
from pathlib import Path
from airflow.sdk import dag
from cosmos import DbtTaskGroup, ProjectConfig, ProfileConfig, RenderConfig, ExecutionConfig
from cosmos.constants import LoadMode, TestBehavior, InvocationMode
from core.settings import load_settings

S = load_settings()
DBT = S.dbt_project_dir

@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def bench_cosmos_per_model():
    DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(dbt_project_path=DBT, manifest_path=__MANIFEST_PATH__,
                                     env_vars={"PLANWATCH_BUILD_DB": str(S.build_db), "PLANWATCH_RAW_DB": str(S.raw_db)},
                                     dbt_vars={"as_of_month": "2024-09"}),
        profile_config=ProfileConfig(profile_name="planwatch", target_name="build",
                                     profiles_yml_filepath=str(DBT / "profiles.yml")),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD),
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        operator_args={"install_deps": False, "callback": __import__("planwatch.dbt_runtime").dbt_runtime.release_dbt_duckdb},
    )

bench_cosmos_per_model()
"""

SINGLE_TASK_DAG = """
import pendulum
from airflow.sdk import dag
from cosmos import ProfileConfig
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator
from planwatch.dbt_runtime import release_dbt_duckdb
from core.settings import load_settings

S = load_settings()

@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def bench_cosmos_single_task():
    DbtBuildLocalOperator(
        task_id="dbt_build", project_dir=str(S.dbt_project_dir), install_deps=False,
        profile_config=ProfileConfig(profile_name="planwatch", target_name="build",
                                     profiles_yml_filepath=str(S.dbt_project_dir / "profiles.yml")),
        invocation_mode=InvocationMode.DBT_RUNNER, vars={"as_of_month": "2024-09"},
        env={"PLANWATCH_BUILD_DB": str(S.build_db), "PLANWATCH_RAW_DB": str(S.raw_db)},
        callback=release_dbt_duckdb,
    )

bench_cosmos_single_task()
"""


def _env(airflow_home: Path, state: Path, dags: Path, data_root: Path) -> dict[str, str]:
    return dict(
        os.environ,
        AIRFLOW_HOME=str(airflow_home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{airflow_home / 'airflow.db'}",
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        DO_NOT_TRACK="1",
        PLANWATCH_HOME=str(REPO),
        PLANWATCH_STATE_DIR=str(state),
        PLANWATCH_DATA_ROOT=str(data_root),
    )


_counter = iter(range(1, 10_000))
_TASK = re.compile(
    r"T(\d\d):(\d\d):(\d\d\.\d+)Z.*\[DAG TEST\] (starting|end task) task_id=(\S+) map_index=(-?\d+)"
)


def task_seconds(log: str) -> dict[str, float]:
    """Seconds per task (mapped instances summed) from `airflow dags test`'s own log lines."""
    started: dict[tuple[str, str], float] = {}
    out: dict[str, float] = {}
    for m in _TASK.finditer(log):
        at = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        key = (m.group(5), m.group(6))
        if m.group(4) == "starting":
            started[key] = at
        elif key in started:
            out[m.group(5)] = round(out.get(m.group(5), 0.0) + (at - started.pop(key)) % 86400, 2)
    return out


def dags_test(
    dag_id: str, dag_file: Path, env: dict[str, str], conf: dict | None = None
) -> tuple[float, str]:
    # a distinct logical date per run: the metadata DB then never holds an earlier run of that date
    logical = (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=next(_counter))).isoformat()
    cmd = [str(BIN / "airflow"), "dags", "test", dag_id, logical, "-f", str(dag_file)]
    if conf:
        cmd += ["-c", json.dumps(conf)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode != 0 or "state=failed" in log:
        sys.exit(f"{dag_id} failed:\n{log[-4000:]}")
    return elapsed, log


def revise_release(data_root: Path, version: int) -> None:
    """A new release of one source: its latest monthly file written again with other figures."""
    sys.path.insert(0, str(REPO))
    from samples.generate import sample_release

    release = sample_release(
        REVISED_SOURCE, 2024, 9, seed=3000 + version, sources_dir=REPO / "config" / "sources"
    )
    (data_root / REVISED_PATH).write_bytes(release)


def gx_import_seconds(rounds: int) -> float:
    """Importing great_expectations in a fresh interpreter, beyond what validation imports anyway."""
    code = "import time, duckdb, pandas; t = time.perf_counter(); import great_expectations; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(rounds)
    ]
    return statistics.median(runs)


def nightly_rounds(root: Path, rounds: int) -> dict[str, object]:
    airflow_home, dags = root / "airflow", root / "dags"
    dags.mkdir()
    (dags / "bench_floor.py").write_text(FLOOR_DAG)
    data_root = root / "data"
    shutil.copytree(REPO / "data" / "samples", data_root)
    env = _env(airflow_home, root / "state0", REPO / "dags", data_root)
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [str(BIN / "airflow"), "pools", "set", "planwatch_duckdb", "1", "bench"],
        env=env,
        check=True,
        capture_output=True,
    )
    conf = {"as_of": "2024-09"}
    nightly_file = REPO / "dags" / "planwatch_nightly.py"
    times: dict[str, list[float]] = {"floor": [], "first_load": [], "nothing_new": [], "one_source_new": []}
    tasks: dict[str, list[dict[str, float]]] = {k: [] for k in times if k != "floor"}
    for r in range(rounds):  # interleaved so machine noise hits every kind alike
        state = root / f"state{r}"
        night_env = _env(airflow_home, state, REPO / "dags", data_root)
        times["floor"].append(
            dags_test("bench_floor", dags / "bench_floor.py", _env(airflow_home, state, dags, data_root))[0]
        )
        for kind in ("first_load", "nothing_new", "one_source_new"):
            if kind == "one_source_new":
                revise_release(data_root, r)
            seconds, log = dags_test("planwatch_nightly", nightly_file, night_env, conf)
            times[kind].append(seconds)
            tasks[kind].append(task_seconds(log))
    floor = statistics.median(times["floor"])
    results: dict[str, object] = {"rounds": rounds, "seconds": times, "floor_median_s": floor}
    for kind in tasks:
        median = statistics.median(times[kind])
        results[f"{kind}_median_s"] = median
        results[f"{kind}_ratio"] = median / floor
        results[f"{kind}_tasks_s"] = {
            k: statistics.median(t.get(k, 0.0) for t in tasks[kind]) for k in tasks[kind][0]
        }
    return results


def per_model(root: Path, rounds: int, results: dict[str, object]) -> None:
    airflow_home, dags = root / "airflow", root / "dags"
    state = root / "state0"
    env = _env(airflow_home, state, dags, root / "data")
    target = root / "dbt_target"
    subprocess.run(
        [str(BIN / "dbt"), "parse", "--profiles-dir", ".", "--target-path", str(target)],
        cwd=REPO / "dbt_project",
        env=env | {"PLANWATCH_BUILD_DB": str(state / "warehouse" / "build.duckdb"),
                   "PLANWATCH_RAW_DB": str(state / "warehouse" / "raw.duckdb"), "PLANWATCH_RAW_ALIAS": "raw"},
        check=True,
        capture_output=True,
    )  # fmt: skip
    per_model_file = dags / "bench_cosmos_per_model.py"
    per_model_file.write_text(PER_MODEL_DAG.replace("__MANIFEST_PATH__", repr(str(target / "manifest.json"))))
    single_file = dags / "bench_cosmos_single_task.py"
    single_file.write_text(SINGLE_TASK_DAG)
    per_node, single = [], []
    for _ in range(rounds):
        single.append(dags_test("bench_cosmos_single_task", single_file, env)[0])
        per_node.append(dags_test("bench_cosmos_per_model", per_model_file, env)[0])
    results["single_task_median_s"] = statistics.median(single)
    results["per_model_median_s"] = statistics.median(per_node)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-model", action="store_true", help="also time one cosmos task per dbt node")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="planwatch-bench-") as tmp:
        results = nightly_rounds(Path(tmp), args.rounds)
        results["gx_import_s"] = gx_import_seconds(args.rounds)
        if args.per_model:
            per_model(Path(tmp), args.rounds, results)
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    out = REPO / "artifacts" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "nightly.json").write_text(json.dumps(results, indent=2))
    print(report(results))


def report(results: dict) -> str:
    floor = results["floor_median_s"]
    lines = [f"floor (bare two-task dags test), median of {results['rounds']}: {floor:.1f} s"]
    for kind, label in (
        ("nothing_new", "nothing new"),
        ("one_source_new", "one source new"),
        ("first_load", "first load"),
    ):
        tasks = ", ".join(f"{k} {v:.1f}" for k, v in results[f"{kind}_tasks_s"].items() if v >= 0.1)
        lines.append(
            f"nightly, {label:15} {results[f'{kind}_median_s']:5.1f} s  {results[f'{kind}_ratio']:.2f}x floor  ({tasks})"
        )
    lines.append(f"importing great_expectations (after duckdb, pandas): {results['gx_import_s']:.1f} s")
    if "per_model_median_s" in results:
        lines.append(
            f"dbt alone as one cosmos build task:    {results['single_task_median_s']:.1f} s ({results['single_task_median_s'] / floor:.2f}x floor)"
        )
        lines.append(
            f"dbt alone as one cosmos task per node: {results['per_model_median_s']:.1f} s ({results['per_model_median_s'] / floor:.2f}x floor)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
