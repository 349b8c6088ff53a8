"""Benchmark: the SDMX-CSV export's time and peak memory against DuckDB writing the same rows as CSV.

    .venv/bin/python benchmarks/bench_sdmx.py [--serving FILE] [--scale 3000] [--rounds 3]

A scratch serving file holds the indicator figures of `--serving` (default: the published warehouse of
the state folder, which `make run` writes) `--scale` times over, each copy under its own region codes
(3,000 times the sample's 1,486 figures is 4.5 million). Each way of writing runs in a fresh interpreter,
as the publish task does; peak resident memory from the OS (getrusage of the child), rounds interleaved,
medians:

- `copy`: DuckDB's COPY of publishing.sdmx.OBSERVATIONS_SQL to CSV, the engine's own speed (the floor);
- `published`: publishing.sdmx.write_sdmx as published (pysdmx's header, DuckDB's COPY of the rows);
- `pysdmx chunks`: the way of before 2026-12-03 16:30, pysdmx writing 500,000 rows at a time from
  DataFrames (the same bytes: tests/bi/test_sdmx_export.py).

Prints seconds and peak MB of each way and the ratio copy ÷ published (1.0: the engine's speed).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

WAYS = ("copy", "published", "pysdmx chunks")


def make_serving(source: Path, target: Path, scale: int) -> int:
    """A serving file with only marts.fct_indicator_values: `source`'s rows `scale` times over."""
    import duckdb

    with duckdb.connect(str(target)) as con:
        con.execute(f"attach '{source}' as src (read_only)")
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.fct_indicator_values as
            select f.* replace (f.region_code || '_' || copy_no as region_code)
            from src.marts.fct_indicator_values as f, range(?) as copies(copy_no)
            """,
            [scale],
        )
        (rows,) = con.execute("select count(*) from marts.fct_indicator_values").fetchone()  # type: ignore[misc]
    return int(rows)


def child(way: str, serving: Path, out: Path) -> None:
    """One way of writing, in this (fresh) interpreter; prints its seconds and peak MB as JSON."""
    start = time.perf_counter()
    if way == "copy":
        from publishing.readers import open_serving
        from publishing.sdmx import OBSERVATIONS_SQL

        with open_serving(serving) as con:
            con.execute(f"copy ({OBSERVATIONS_SQL}) to '{out}' (header, delimiter ',')")
    elif way == "published":
        from publishing.sdmx import write_sdmx

        write_sdmx(serving, out)
    else:
        from pysdmx.io.csv.sdmx20.writer import write
        from pysdmx.io.pd import PandasDataset
        from pysdmx.model.dataset import ActionType

        from publishing.readers import open_serving
        from publishing.sdmx import DATAFLOW, OBSERVATIONS_SQL, _schema

        schema, header = _schema(DATAFLOW), None
        with open_serving(serving) as con, out.open("w", encoding="utf-8", newline="") as fh:
            for batch in con.sql(OBSERVATIONS_SQL).to_arrow_reader(500_000):
                dataset = PandasDataset(
                    structure=schema, data=batch.to_pandas(), action=ActionType.Information
                )
                head, _, body = (write([dataset]) or "").partition("\n")
                fh.write(body if header else f"{head}\n{body}")
                header = head
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_mb), "bytes": out.stat().st_size}))


def run(way: str, serving: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", way, str(serving), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"{way} failed: {proc.stderr.strip().splitlines()[-1:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    out.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serving", type=Path, help="a published serving file (default: the state's)")
    parser.add_argument("--scale", type=int, default=3000, help="copies of its indicator figures")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("WAY", "SERVING", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    if args.serving is None:
        from core.settings import load_settings

        args.serving = load_settings().state_dir / "warehouse" / "planwatch.duckdb"
    if not args.serving.is_file():
        raise SystemExit(f"{args.serving}: no serving file (run `make run` first, or give --serving)")
    with tempfile.TemporaryDirectory(prefix="bench-sdmx-") as work:
        serving = Path(work) / "serving.duckdb"
        rows = make_serving(args.serving, serving, args.scale)
        measured: dict[str, list[dict]] = {way: [] for way in WAYS}
        for _ in range(args.rounds):
            for way in WAYS:
                measured[way].append(run(way, serving, Path(work) / "out.csv"))
    med = {way: {k: statistics.median(m[k] for m in runs) for k in ("seconds", "peak_mb", "bytes")}
           for way, runs in measured.items()}  # fmt: skip
    print(f"{rows:,} figures in the mart ({args.scale} copies), {args.rounds} rounds, medians")
    for way in WAYS:
        print(f"  {way:13} {med[way]['seconds']:8.2f} s  peak {med[way]['peak_mb']:7.0f} MB  "
              f"{med[way]['bytes'] / 2**20:7.1f} MB written")  # fmt: skip
    print(
        f"  copy ÷ published (1.0: the engine's speed): {med['copy']['seconds'] / med['published']['seconds']:.2f}"
    )


if __name__ == "__main__":
    main()
