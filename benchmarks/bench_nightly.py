"""Benchmark: the nightly run against Airflow's own floor, measured in the same environment and run.

    .venv/bin/python benchmarks/bench_nightly.py [--rounds 3] [--per-model]

Floor: a bare two-task DAG under `airflow dags test` (interpreter start, Airflow import, metadata DB,
two no-op tasks). Nightly: `airflow dags test planwatch_nightly` on the bundled sample data: the first
round loads everything (cold), later rounds find every release unchanged (the steady nightly state).
--per-model also times the alternative dbt layout, one cosmos task per dbt node rendered from the
manifest (LoadMode.DBT_MANIFEST, TestBehavior.BUILD), to show why the DAG uses one build task.
Prints medians and ratios against the floor; writes artifacts/bench/nightly.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

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


def _env(airflow_home: Path, state: Path, dags: Path) -> dict[str, str]:
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
        PLANWATCH_DATA_ROOT=str(REPO / "data" / "samples"),
    )


_counter = iter(range(1, 10_000))


def dags_test(dag_id: str, dag_file: Path, env: dict[str, str], conf: dict | None = None) -> float:
    # a distinct logical date per run: the metadata DB then never holds an earlier run of that date
    logical = (datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=next(_counter))).isoformat()
    cmd = [str(BIN / "airflow"), "dags", "test", dag_id, logical, "-f", str(dag_file)]
    if conf:
        cmd += ["-c", json.dumps(conf)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or "state=failed" in proc.stdout + proc.stderr:
        sys.exit(f"{dag_id} failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-model", action="store_true", help="also time one cosmos task per dbt node")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="planwatch-bench-") as tmp:
        root = Path(tmp)
        airflow_home, state, dags = root / "airflow", root / "state", root / "dags"
        dags.mkdir()
        (dags / "bench_floor.py").write_text(FLOOR_DAG)
        env = _env(airflow_home, state, REPO / "dags")
        subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run(
            [str(BIN / "airflow"), "pools", "set", "planwatch_duckdb", "1", "bench"],
            env=env,
            check=True,
            capture_output=True,
        )
        conf = {"as_of": "2024-09"}
        nightly_file = REPO / "dags" / "planwatch_nightly.py"
        floor_env = _env(airflow_home, state, dags)

        cold = dags_test("planwatch_nightly", nightly_file, env, conf)
        floor, warm = [], []
        for _ in range(args.rounds):  # interleaved so machine noise hits both alike
            floor.append(dags_test("bench_floor", dags / "bench_floor.py", floor_env))
            warm.append(dags_test("planwatch_nightly", nightly_file, env, conf))
        results: dict[str, object] = {
            "rounds": args.rounds,
            "floor_s": floor,
            "nightly_cold_s": cold,
            "nightly_warm_s": warm,
            "floor_median_s": statistics.median(floor),
            "nightly_warm_median_s": statistics.median(warm),
            "ratio_warm_to_floor": statistics.median(warm) / statistics.median(floor),
            "ratio_cold_to_floor": cold / statistics.median(floor),
        }
        if args.per_model:
            target = root / "dbt_target"
            subprocess.run(
                [str(BIN / "dbt"), "parse", "--profiles-dir", ".", "--target-path", str(target)],
                cwd=REPO / "dbt_project",
                env=env | {"PLANWATCH_BUILD_DB": str(state / "warehouse" / "build.duckdb"),
                           "PLANWATCH_RAW_DB": str(state / "warehouse" / "raw.duckdb")},
                check=True,
                capture_output=True,
            )  # fmt: skip
            per_model_file = dags / "bench_cosmos_per_model.py"
            per_model_file.write_text(
                PER_MODEL_DAG.replace("__MANIFEST_PATH__", repr(str(target / "manifest.json")))
            )
            single_file = dags / "bench_cosmos_single_task.py"
            single_file.write_text(SINGLE_TASK_DAG)
            per_model, single = [], []
            for _ in range(args.rounds):
                single.append(dags_test("bench_cosmos_single_task", single_file, floor_env))
                per_model.append(dags_test("bench_cosmos_per_model", per_model_file, floor_env))
            results["single_task_dbt_only_s"] = single
            results["single_task_median_s"] = statistics.median(single)
            results["per_model_dbt_only_s"] = per_model
            results["per_model_median_s"] = statistics.median(per_model)
            results["ratio_per_model_to_floor"] = statistics.median(per_model) / statistics.median(floor)

    out = REPO / "artifacts" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "nightly.json").write_text(json.dumps(results, indent=2))
    print(f"floor (bare two-task dags test), median of {args.rounds}: {results['floor_median_s']:.1f} s")
    print(
        f"nightly, cold first load:                 {cold:.1f} s  ({results['ratio_cold_to_floor']:.2f}x floor)"
    )
    print(
        f"nightly, steady state, median:            {results['nightly_warm_median_s']:.1f} s"
        f"  ({results['ratio_warm_to_floor']:.2f}x floor)"
    )
    if args.per_model:
        print(
            f"dbt alone as one cosmos build task:        {results['single_task_median_s']:.1f} s"
            f"  ({results['single_task_median_s'] / results['floor_median_s']:.2f}x floor)"
        )
        print(
            f"dbt alone as one cosmos task per node:     {results['per_model_median_s']:.1f} s"
            f"  ({results['ratio_per_model_to_floor']:.2f}x floor)"
        )


if __name__ == "__main__":
    main()
