"""Benchmark: the publish step in full and as a partial publish, on a province bench_province.py kept.

    .venv/bin/python benchmarks/bench_publish.py WORKDIR/x1 [--run incremental] [--rounds 3]

On the kept province's build file, in a scratch warehouse beside it (the province's own is not
touched): a full publish and its exports, then a partial publish on top of it and its exports, for two
nights' kinds: the models dbt rebuilt on the bench's night of new statistics (read from that run's
record), and the models a night of progress returns alone rebuilds (`dbt ls` of that night's selection,
planwatch.incremental.new_data_selection). The build is the same in every case: only what the publish
is told changed differs, which is what it pays for. Wall and CPU seconds of this process (DuckDB's
threads included) for each part, the median of the rounds (the kinds alternate, so that a machine
busy with something else weighs on both alike); prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RETURN_TABLES = ["progress_return_rows", "progress_returns", "releases"]  # a night of returns alone


def timed(what: Callable[[], Any]) -> tuple[Any, float, float]:
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = what()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return result, round(time.perf_counter() - start, 2), round(cpu, 2)


def returns_night_models(province: Path) -> list[str]:
    """The models a night of progress returns alone rebuilds: dbt's list of the tables and incremental
    models of that night's selection (planwatch.incremental.new_data_selection, without the tests)."""
    from core.settings import load_settings
    from planwatch.dbt_runtime import dbt_env
    from planwatch.incremental import REBUILT

    selection = [f"source:*.{table}+,{kind}" for table in RETURN_TABLES for kind in REBUILT[:2]]
    os.environ.update(_province_env(province))
    env = dict(os.environ, **dbt_env(load_settings(), run_id="bench-publish"))
    project = str(province / "home" / "dbt_project")
    listed = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "ls", "--quiet", "--resource-type", "model", "--output",
         "name", "--select", *selection, "--project-dir", project, "--profiles-dir", project,
         "--target-path", str(province / "bench_publish_target")],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return sorted(line.strip() for line in listed.stdout.splitlines() if line.strip())


def _province_env(province: Path) -> dict[str, str]:
    return dict(
        os.environ,
        PLANWATCH_HOME=str(province / "home"),
        PLANWATCH_DATA_ROOT=str(province / "data"),
        PLANWATCH_STATE_DIR=str(province / "state"),
    )


def one_kind(build: Path, scratch: Path, changed: list[str]) -> dict[str, Any]:
    from publishing.exports import Reuse, export_all
    from publishing.publish import publish

    if scratch.exists():
        shutil.rmtree(scratch)
    warehouse = scratch / "warehouse"
    serving, published = warehouse / "planwatch.duckdb", warehouse / "published"
    full, full_wall, full_cpu = timed(lambda: publish(build, serving, published, keep=3))
    _, xfull_wall, xfull_cpu = timed(lambda: export_all(serving, warehouse, full.publish_id))
    part, part_wall, part_cpu = timed(
        lambda: publish(build, serving, published, keep=3, changed=changed, base=full.publish_id)
    )
    exports, xpart_wall, xpart_cpu = timed(
        lambda: export_all(serving, warehouse, part.publish_id, Reuse(part.base, part.kept))
    )
    assert part.base == full.publish_id, "the partial publish was made in full"
    return {
        "changed models": len(changed),
        "tables kept": len(part.kept),
        "export files linked": sum(len(x.reused) for x in exports),
        "serving file, full": (full_wall, full_cpu),
        "exports, full": (xfull_wall, xfull_cpu),
        "serving file, partial": (part_wall, part_cpu),
        "exports, partial": (xpart_wall, xpart_cpu),
        "serving file MB": round(serving.stat().st_size / 2**20, 1),
    }


def _median(values: list[Any]) -> Any:
    if isinstance(values[0], tuple):
        return tuple(statistics.median(v[i] for v in values) for i in range(len(values[0])))
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("province", type=Path, help="a province bench_province.py --keep left (WORKDIR/x1)")
    parser.add_argument(
        "--run", default="incremental", help="the run whose rebuilt models are a night of statistics"
    )
    parser.add_argument("--rounds", type=int, default=3, help="each kind this many times, alternating")
    parser.add_argument(
        "--returns-only", action="store_true", help="only the night of returns (at 10x, minutes a kind)"
    )
    args = parser.parse_args()
    state = args.province / "state"
    build = state / "warehouse" / "build.duckdb"
    new_figures = json.loads((state / "runs" / args.run / "build.json").read_text(encoding="utf-8"))["models"]
    kinds = {"statistics night": new_figures, "returns night": returns_night_models(args.province)}
    if args.returns_only:
        del kinds["statistics night"]
    scratch = args.province / "bench_publish"
    rounds = [
        {kind: one_kind(build, scratch, changed) for kind, changed in kinds.items()}
        for _ in range(args.rounds)
    ]
    results = {
        kind: {key: _median([r[kind][key] for r in rounds]) for key in rounds[0][kind]} for kind in kinds
    }
    shutil.rmtree(scratch, ignore_errors=True)
    print("| wall s / cpu s | " + " | ".join(results) + " |")
    print("| --- |" + " --- |" * len(results))
    for key in next(iter(results.values())):
        cells = [
            " / ".join(map(str, r[key])) if isinstance(r[key], tuple) else str(r[key])
            for r in results.values()
        ]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
