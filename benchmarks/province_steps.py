"""One step of the nightly run in its own interpreter, as an Airflow worker runs a task: the province
benchmark (bench_province.py) times each and reads its peak memory from outside.

    province_steps.py STEP RUN_ID AS_OF [--full] [--plan PLAN_ID] [--files LIST]

Steps call the same functions the DAG's tasks call (planwatch.nightly, planwatch.incremental); `dbt`
runs `dbt build` in-process through dbtRunner with the flags cosmos gives it (unit tests excluded, the
night's selection, partial parse kept between runs) and records the build as the DAG's callback does.
Prints one JSON line with what the step found.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any


def dbt_build(run_id: str, as_of: str) -> dict[str, Any]:
    from dbt.cli.main import dbtRunner

    from core.settings import load_settings
    from planwatch.dbt_runtime import dbt_env
    from planwatch.incremental import InputsStore, dbt_selection_args, record_build
    from planwatch.runs import RunStore

    settings = load_settings()
    plan = RunStore(settings.runs_dir).load(run_id).plan
    InputsStore.of(settings).forget_build()
    run_dir = settings.state_dir / "dbt_run"  # its target/ keeps dbt's partial parse between nights
    os.environ.update(dbt_env(settings, run_id=run_id))
    args = [
        "build",
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
    ]
    args += ["--target-path", str(run_dir / "target"), "--log-path", str(run_dir / "logs")]
    args += [
        "--vars",
        json.dumps({"as_of_month": as_of, "known_on": ""}),
        "--exclude-resource-type",
        "unit_test",
    ]
    args += dbt_selection_args(plan)
    dbtRunner().invoke(args)
    record_build(str(run_dir), context={"run_id": run_id})
    build = RunStore(settings.runs_dir).load(run_id).build
    assert build is not None
    if not build.ok:
        raise SystemExit("dbt build failed: " + "; ".join(build.failed[:5]))
    results = json.loads((run_dir / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    models = sorted(
        (r for r in results if r["unique_id"].startswith("model.")), key=lambda r: -r["execution_time"]
    )
    slowest = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in models[:6]}
    return {
        "selection": build.selection,
        "nodes": build.nodes,
        "models": len(build.models),
        "slowest": slowest,
    }


def bi_query(plan_id: str, as_of: str) -> dict[str, Any]:
    """One region's targets from the serving file, as a BI tool asks: a new read-only connection each time."""
    import duckdb

    from core.settings import load_settings

    serving = load_settings().serving_db
    sql = "select * from serving.target_progress where plan_id = ? and as_of_month = ?"
    seconds, rows = [], 0
    for _ in range(5):
        start = time.perf_counter()
        with duckdb.connect(str(serving), read_only=True) as con:
            rows = len(con.execute(sql, [plan_id, f"{as_of}-01"]).fetchall())
        seconds.append(time.perf_counter() - start)
    return {"query_median_s": statistics.median(seconds), "rows": rows}


def baseline(files: Path, database: Path) -> dict[str, Any]:
    """A bare DuckDB read of the same release files into one table each: CSV with read_csv (GBK files as
    latin-1: DuckDB has no GBK decoder without the encodings extension, which is not offline), NBS JSON
    with read_json. No decoding of periods, units or labels: the floor for getting the bytes in."""
    import duckdb

    paths = [Path(line) for line in files.read_text(encoding="utf-8").splitlines() if line]
    with duckdb.connect(str(database)) as con:
        for n, path in enumerate(paths):
            if path.suffix == ".json":
                con.execute(
                    f"create table t{n} as select * from read_json(?, maximum_object_size = 1e9)", [str(path)]
                )
            else:
                try:
                    con.execute(
                        f"create table t{n} as select * from read_csv(?, all_varchar = true)", [str(path)]
                    )
                except duckdb.InvalidInputException:  # not UTF-8: a GBK file
                    con.execute(
                        f"create table t{n} as select * from read_csv(?, all_varchar = true, encoding = 'latin-1')",
                        [str(path)],
                    )
    return {"files": len(paths)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step")
    parser.add_argument("run_id")
    parser.add_argument("as_of")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--plan")
    parser.add_argument("--files", type=Path)
    parser.add_argument("--database", type=Path)
    args = parser.parse_args()
    from planwatch import nightly
    from planwatch.incremental import plan_night

    out: dict[str, Any] = {}
    if args.step == "prepare":
        nightly.prepare(args.run_id, args.as_of, None)
    elif args.step == "fetch":
        out["fetched"] = sum(1 for f in nightly.fetch_sources(args.run_id) if f.result)
    elif args.step == "load":
        loaded = nightly.load_sources(args.run_id)
        out = {
            "releases_new": sum(p.releases_new for p in loaded),
            "rows": sum(p.rows_loaded for p in loaded),
        }
    elif args.step == "plan":
        plan = plan_night(args.run_id, full=args.full)
        out = {"build": plan.build, "selection": plan.selection, "reasons": plan.reasons[:3]}
    elif args.step == "dbt":
        out = dbt_build(args.run_id, args.as_of)
    elif args.step == "validate":
        v = nightly.validate(args.as_of, args.run_id)
        out = {
            "checks": v.checks,
            "carried": v.carried,
            "scope": len(v.scope) if v.scope is not None else "all",
            "rows_read": sum(v.rows_read.values()),
            "partial": len(v.partial),
            "rule_figures": v.rule_figures,
        }
    elif args.step == "publish":
        out = {"publish_id": nightly.publish(args.run_id, allow_older=True).publish_id}
    elif args.step == "report":
        out = {"reports": len(nightly.report(args.as_of, args.run_id, plan_id=args.plan))}
    elif args.step == "query":
        out = bi_query(args.plan, args.as_of)
    elif args.step == "baseline":
        out = baseline(args.files, args.database)
    else:
        raise SystemExit(f"unknown step {args.step!r}")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
