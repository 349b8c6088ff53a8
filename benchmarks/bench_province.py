"""Benchmark: a province on one machine. The nightly steps on a synthetic province at several scales.

    .venv/bin/python benchmarks/bench_province.py [--scales 1,10,100] [--workdir DIR] [--keep]

For each scale (1x: 90 counties; samples/province/) a province is generated from the real registry and
catalog: every county's releases of every source, monthly from 2015 to 2024-09, in each source's own
format, and a 2024 plan per county. Then, each step in its own interpreter as an Airflow worker runs a
task (benchmarks/province_steps.py), with wall time, CPU time and the peak memory of its process tree:
1. a bare DuckDB read of the same files (read_csv / read_json), the floor for ingest;
2. the first night (as of 2024-10, October not yet published): prepare, fetch, load (ingest), plan,
   dbt build, validate, publish, the report of one county's plan, and a BI query of one county's
   targets from the serving file;
3. an incremental night: October's releases of every source arrive; only they are loaded, dbt rebuilds
   what is downstream of raw, validation runs the changed sources' suites and the rebuilt marts;
4. a full rebuild night on the same data (`full`): everything built, validated and published again.
DuckDB settings come from the environment: PLANWATCH_DUCKDB_MEMORY (memory_limit of the raw layer's,
validation's and dbt's DuckDB connections) and PLANWATCH_DUCKDB_THREADS; DuckDB spills past its
memory limit to its default temporary folder beside each database file (<file>.tmp). temp_directory
is not set in dbt's profile: dbt-duckdb sets its settings again on every new cursor, and DuckDB refuses
to switch the temporary folder once it has been used. Writes artifacts/bench/province.json and prints the table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
STEPS = REPO / "benchmarks" / "province_steps.py"
AS_OF, NEW_MONTH = "2024-10", "2024-10"
MEMORY, THREADS = "3GB", "2"
MIN_FREE_GB = 12  # stop before the disk (shared with everything else on the machine) runs low


@dataclass
class Measured:
    step: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    out: dict


class Stopped(Exception):
    """A step failed (out of memory, say) or the disk ran low: the scale is reported as far as it got."""


def measure(step: str, cmd: list[str], env: dict[str, str]) -> Measured:
    """Run one step; sample its process tree's resident memory every 50 ms; CPU time of the step and
    every process it waited for, from the OS (getrusage of children, before and after)."""
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if free < MIN_FREE_GB * 2**30:
        raise Stopped(f"{free / 2**30:.0f} GB free before {step}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]))
        if shutil.disk_usage(tempfile.gettempdir()).free < MIN_FREE_GB * 2**30 // 2:
            for p in [*proc.children(recursive=True), proc]:
                with contextlib.suppress(psutil.Error):
                    p.kill()
            proc.wait()
            raise Stopped(f"less than {MIN_FREE_GB // 2} GB free during {step}: stopped it")
        time.sleep(0.05)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode != 0:
        print((stdout + stderr)[-3000:], flush=True)
        last = [line for line in (stdout + stderr).splitlines() if line.strip()][-1:] or ["?"]
        raise Stopped(f"{step} failed after {wall:.0f} s (peak {peak / 2**20:.0f} MB): {last[0][:400]}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    out = json.loads(lines[-1]) if lines else {}
    print(f"  {step:24} {wall:8.1f} s  cpu {cpu:8.1f} s  peak {peak / 2**20:7.0f} MB  {out}", flush=True)
    return Measured(step, round(wall, 2), round(cpu, 2), round(peak / 2**20), out)


def _env(out: Path) -> dict[str, str]:
    return dict(
        os.environ,
        PLANWATCH_HOME=str(out / "home"),
        PLANWATCH_DATA_ROOT=str(out / "data"),
        PLANWATCH_STATE_DIR=str(out / "state"),
        PLANWATCH_DUCKDB_MEMORY=os.environ.get("PLANWATCH_DUCKDB_MEMORY", MEMORY),
        PLANWATCH_DUCKDB_THREADS=os.environ.get("PLANWATCH_DUCKDB_THREADS", THREADS),
        PLANWATCH_UMASK="022",
        PLANWATCH_KEEP_PUBLISHED="1",  # every kept publish is a copy of the serving file
    )


PROFILE_SETTINGS = """      threads: "{{ env_var('PLANWATCH_DUCKDB_THREADS', '2') | as_number }}"
      settings:
        memory_limit: "{{ env_var('PLANWATCH_DUCKDB_MEMORY', '3GB') }}"
        preserve_insertion_order: false
"""


def _bounded_profile(home: Path) -> None:
    """The benchmark's copy of the dbt profile reads DuckDB's limits from the environment (benchmarks/
    README.md asks for the same in the project's profile)."""
    profile = home / "dbt_project" / "profiles.yml"
    text = profile.read_text(encoding="utf-8")
    if "PLANWATCH_DUCKDB_MEMORY" in text and "PLANWATCH_DUCKDB_THREADS" in text:
        return  # the project's profile reads them already
    if "threads: 2\n" not in text:
        raise SystemExit(f"{profile}: expected `threads: 2` to put the DuckDB settings beside")
    profile.write_text(text.replace("      threads: 2\n", PROFILE_SETTINGS), encoding="utf-8")


def _night(
    steps: list[Measured],
    env: dict[str, str],
    plan_id: str,
    *,
    run: str,
    full: bool = False,
    report: bool = True,
) -> None:
    """One night's steps, appended to `steps` as each finishes (so a stop keeps what was measured)."""

    def step(name: str, *extra: str) -> Measured:
        measured = measure(f"{run}: {name}", [sys.executable, str(STEPS), name, run, AS_OF, *extra], env)
        steps.append(measured)
        return measured

    for name in ("prepare", "fetch", "load"):
        step(name)
    if step("plan", *(["--full"] if full else [])).out.get("build"):
        for name in ("dbt", "validate", "publish"):
            step(name)
    if report:
        step("report", "--plan", plan_id)
        step("query", "--plan", plan_id)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def one_scale(scale: int, out: Path, full_night: bool) -> dict:
    """Everything measured at one scale; as far as it got if a step failed or the disk ran low."""
    print(f"scale {scale}x in {out}", flush=True)
    result: dict = {"scale": scale, "first": [], "incremental": [], "full": []}
    try:
        _run_scale(scale, out, full_night, result)
    except Stopped as exc:
        result["stopped"] = str(exc)
        print(f"  stopped: {exc}", flush=True)
    return _summarise(result, out)


def _run_scale(scale: int, out: Path, full_night: bool, result: dict) -> None:
    generate = [sys.executable, "-m", "samples.province.generate", "--scale", str(scale), "--out", str(out)]
    gen = measure("generate", generate, dict(os.environ))
    result["generate"], result["generated"] = asdict(gen), gen.out
    env = _env(out)
    _bounded_profile(out / "home")
    files = out / "files.txt"
    files.write_text(
        "\n".join(str(p) for p in sorted((out / "data").rglob("*")) if p.is_file()), encoding="utf-8"
    )
    base = measure("bare DuckDB read", [sys.executable, str(STEPS), "baseline", "-", AS_OF, "--files", str(files),
                                        "--database", str(out / "baseline.duckdb")], env)  # fmt: skip
    (out / "baseline.duckdb").unlink()
    result["baseline"] = asdict(base)
    plan_id = f"county_{_first_county()}_2024"
    _night(result["first"], env, plan_id, run="first")
    october = [*generate, "--from", NEW_MONTH, "--until", NEW_MONTH, "--releases-only"]
    result["generate_october"] = asdict(measure("generate October", october, dict(os.environ)))
    _night(result["incremental"], env, plan_id, run="incremental")
    if full_night:
        _night(result["full"], env, plan_id, run="full", full=True, report=False)


def _summarise(result: dict, out: Path) -> dict:
    state = out / "state"
    sizes = {
        "release files": _size(out / "data"),
        "landing": _size(state / "landing"),
        "raw.duckdb": _size(state / "warehouse" / "raw.duckdb"),
        "build.duckdb": _size(state / "warehouse" / "build.duckdb"),
        "planwatch.duckdb (serving)": _size(state / "warehouse" / "planwatch.duckdb"),
        "parquet exports": _size(state / "warehouse" / "parquet"),
        "sdmx exports": _size(state / "warehouse" / "sdmx"),
    }
    result["sizes_mb"] = {k: round(v / 2**20, 1) for k, v in sizes.items()}
    nights = {k: result[k] for k in ("first", "incremental", "full")}

    def total(night: list[Measured], *, build_only: bool = False) -> float:
        skip = ("report", "query", "prepare", "fetch", "load") if build_only else ("report", "query")
        return round(sum(m.wall_s for m in night if not m.step.endswith(skip)), 1)

    result["night_s"] = {k: total(v) for k, v in nights.items() if v}
    if result.get("baseline"):
        ingest = sum(m.wall_s for m in nights["first"] if m.step.endswith(("fetch", "load")))
        result["ingest_over_bare_read"] = round(ingest / result["baseline"]["wall_s"], 1) if ingest else None
    if nights["incremental"] and nights["first"]:
        # with no full night measured, a full rebuild is the first night's build steps plus a night's
        # fetch and load of nothing new (the incremental night's own fetch and load are an upper bound)
        full = total(nights["full"]) if nights["full"] else total(nights["first"], build_only=True)
        result["full_rebuild_s"] = full
        result["full_rebuild_measured"] = bool(nights["full"])
        result["incremental_over_full"] = round(total(nights["incremental"]) / full, 3)
    measured = [m for night in nights.values() for m in night]
    result["peak_mb"] = max((m.peak_mb for m in measured), default=None)
    for key, night in nights.items():
        result[key] = [asdict(m) for m in night]
    return result


def _first_county() -> str:
    sys.path.insert(0, str(REPO))
    from samples.province.regions import regions

    return regions(1)[0].code


def table(results: list[dict]) -> str:
    lines = ["| step | " + " | ".join(f"{r['scale']}x wall s / cpu s / peak MB" for r in results) + " |"]
    lines.append("| --- |" + " --- |" * len(results))
    names = [m["step"] for m in results[0]["first"] + results[0]["incremental"] + results[0]["full"]]
    rows = {n: [] for n in names}
    for r in results:
        found = {m["step"]: m for m in r["first"] + r["incremental"] + r["full"]}
        for n in names:
            m = found.get(n)
            rows[n].append(f"{m['wall_s']} / {m['cpu_s']} / {m['peak_mb']}" if m else "-")
    lines += [f"| {n} | " + " | ".join(v) + " |" for n, v in rows.items()]
    for key in (
        "generated",
        "ingest_over_bare_read",
        "night_s",
        "incremental_over_full",
        "peak_mb",
        "sizes_mb",
    ):
        # a scale stopped early (out of disk, say) has no ratios: "-" rather than no table at all
        lines.append(f"| {key} | " + " | ".join(str(r.get(key, "-")) for r in results) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="1,10,100", help="comma-separated multiples of 90 counties")
    parser.add_argument("--workdir", type=Path, help="where to generate (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated provinces")
    parser.add_argument(
        "--full-night-up-to", type=int, default=10,
        help="measure the full rebuild night at scales up to this one (above: the first night's build steps)",
    )  # fmt: skip
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="planwatch-province-"))
    results: list[dict] = []
    try:
        for scale in (int(s) for s in args.scales.split(",")):
            out = work / f"x{scale}"
            if out.exists():
                shutil.rmtree(out)
            results.append(one_scale(scale, out, scale <= args.full_night_up_to))
            _write(results, work)  # after every scale: a long run stopped later keeps what it measured
            if not args.keep:
                shutil.rmtree(out)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))


def _write(results: list[dict], work: Path) -> None:
    env = _env(work)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB",
        "duckdb": {
            "memory_limit": env["PLANWATCH_DUCKDB_MEMORY"],
            "threads": env["PLANWATCH_DUCKDB_THREADS"],
        },
        "scales": results,
    }
    target = REPO / "artifacts" / "bench"
    target.mkdir(parents=True, exist_ok=True)
    (target / "province.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
