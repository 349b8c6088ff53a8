"""Benchmark: parse + raw load of a release against DuckDB's own CSV reader, in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--rows 200000] [--rounds 3]

For each format a synthetic release of --rows observations is written in that format (the shape the
sample generator uses, scaled up), then timed two ways:
- planwatch: the registry's parser (decode, normalise every cell, build records with units and periods,
  the shared release checks) and raw_store.load_release into a fresh raw DuckDB file, in one transaction.
- baseline: DuckDB read_csv (or read_json for NBS JSON) of the same bytes into a table: the floor for
  getting the same rows into DuckDB with no normalisation at all.
Prints rows/s for both and the ratio (how many times slower than the floor); writes
artifacts/bench/ingest.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from ingest import raw_store  # noqa: E402
from ingest.parsers import PARSERS  # noqa: E402
from ingest.parsers.base import check_release  # noqa: E402
from ingest.registry import Source  # noqa: E402

TODAY = date(2100, 1, 1)


def _regions(rows: int, per_region: int) -> list[str]:
    return [f"33{n:04d}" for n in range(max(1, rows // per_region))]


def csv_release(rows: int) -> tuple[bytes, Source]:
    """A long GBK CSV: region, period, indicator, unit, 累计值, 累计增长 (two observations a line)."""
    lines = rows // 2
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["地区", "统计期", "指标", "单位", "累计值", "累计增长(%)"])
    names = [f"指标{i:02d}" for i in range(20)]
    n = 0
    for region in _regions(lines, 20 * 11 * 2):
        for year in (2023, 2024):
            for month in range(2, 13):
                for name in names:
                    writer.writerow(
                        [region, f"{year}年1-{month}月", name, "亿元", f"{1000 + n % 997:,.2f}", "5.1"]
                    )
                    n += 1
                    if n >= lines:
                        break
                if n >= lines:
                    break
            if n >= lines:
                break
        if n >= lines:
            break
    source = Source.model_validate(
        {
            "id": "bench_csv",
            "bureau": "bench",
            "title": "bench",
            "format": "csv_table",
            "location": "bench.csv",
            "release": {"frequency": "monthly", "description": "-", "first_period": "2023-01"},
            "csv_table": {
                "encoding": "gbk",
                "period_column": "统计期",
                "label_column": "指标",
                "unit_column": "单位",
                "region_column": "地区",
                "columns": {"累计值": "ytd_value", "累计增长(%)": "ytd_growth_pct"},
            },
            "indicators": [
                {"label": name, "code": f"ind_{i}", "unit": "亿元"} for i, name in enumerate(names)
            ],
        }
    )
    return out.getvalue().encode("gbk"), source


def sdmx_release(rows: int) -> tuple[bytes, Source]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", "REF_AREA", "INDICATOR", "MEASURE", "TIME_PERIOD",
                     "OBS_VALUE", "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS"])  # fmt: skip
    indicators = [f"IND{i:02d}" for i in range(20)]
    n = 0
    for region in _regions(rows, 20 * 24):
        for year in (2023, 2024):
            for month in range(1, 13):
                for ind in indicators:
                    writer.writerow(["dataflow", "BENCH:DF(1.0)", "I", region, ind, "YTD", f"{year}-{month:02d}",
                                     f"{1000 + n % 997:.2f}", "CNY", 8, "A"])  # fmt: skip
                    n += 1
                    if n >= rows:
                        break
                if n >= rows:
                    break
            if n >= rows:
                break
        if n >= rows:
            break
    source = Source.model_validate(
        {
            "id": "bench_sdmx",
            "bureau": "bench",
            "title": "bench",
            "format": "sdmx_csv",
            "location": "bench.csv",
            "release": {"frequency": "monthly", "description": "-", "first_period": "2023-01"},
            "sdmx_csv": {
                "structure_id": "BENCH:DF(1.0)",
                "units": {"CNY": "元"},
                "series": [
                    {"key": {"INDICATOR": ind, "MEASURE": "YTD"}, "indicator": ind, "measure": "ytd_value"}
                    for ind in indicators
                ],
            },
            "indicators": [{"label": ind, "code": ind.lower(), "unit": "亿元"} for ind in indicators],
        }
    )
    return out.getvalue().encode("utf-8"), source


def nbs_release(rows: int) -> tuple[bytes, Source]:
    from samples.generate import _nbs_doc

    zbs = [f"A{i:04d}" for i in range(20)]
    nodes: list[tuple[str, str | None, str, float | None]] = []
    for region in _regions(rows, 20 * 24):
        for year in (2023, 2024):
            for month in range(1, 13):
                for zb in zbs:
                    nodes.append((zb, region, f"{year}{month:02d}", float(1000 + len(nodes) % 997)))
                    if len(nodes) >= rows:
                        break
                if len(nodes) >= rows:
                    break
            if len(nodes) >= rows:
                break
        if len(nodes) >= rows:
            break
    content = _nbs_doc(nodes, [(zb, f"{zb}_累计值", "亿元") for zb in zbs], [], [])
    source = Source.model_validate(
        {
            "id": "bench_nbs",
            "bureau": "bench",
            "title": "bench",
            "format": "nbs_json",
            "location": "bench.json",
            "release": {"frequency": "monthly", "description": "-", "first_period": "2023-01"},
            "nbs_json": {"zb": {zb: {"indicator": zb, "measure": "ytd_value"} for zb in zbs}},
            "indicators": [{"label": zb, "code": zb.lower(), "unit": "亿元"} for zb in zbs],
        }
    )
    return content, source


def time_planwatch(content: bytes, source: Source, workdir: Path) -> tuple[float, int]:
    db = workdir / f"raw_{time.monotonic_ns()}.duckdb"
    started = time.perf_counter()
    parsed = PARSERS[source.format](content, source, "bench")
    check_release(parsed.records, source, "bench", TODAY)
    meta = raw_store.ReleaseMeta(
        source.id, "0" * 64, "bench", "bench", len(content), datetime.now(UTC), TODAY
    )
    with raw_store.connect(db) as con:
        rows = raw_store.load_release(con, meta, parsed.records, "bench", datetime.now(UTC))
    return time.perf_counter() - started, rows


def time_baseline(content: bytes, source: Source, workdir: Path) -> tuple[float, int]:
    path = workdir / f"release_{time.monotonic_ns()}"
    if source.format == "csv_table":
        path = path.with_suffix(".csv")
        # DuckDB reads UTF-8 only: give it the same rows already decoded, which flatters the floor
        path.write_bytes(content.decode("gb18030").encode("utf-8"))
        reader = f"read_csv('{path}', header = true)"
    elif source.format == "sdmx_csv":
        path = path.with_suffix(".csv")
        path.write_bytes(content)
        reader = f"read_csv('{path}', header = true)"
    else:
        path = path.with_suffix(".json")
        path.write_bytes(content)
        reader = f"(select unnest(returndata.datanodes, recursive := true) from read_json('{path}'))"
    db = workdir / f"base_{time.monotonic_ns()}.duckdb"
    started = time.perf_counter()
    with duckdb.connect(str(db)) as con:
        con.execute(f"create table t as select * from {reader}")
        row = con.execute("select count(*) from t").fetchone()
    elapsed = time.perf_counter() - started
    count = int(row[0]) if row else 0
    if source.format == "csv_table":
        count *= 2  # two observations a line, as planwatch counts them
    return elapsed, count


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="observations per synthetic release")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    builders: dict[str, Callable[[int], tuple[bytes, Source]]] = {
        "csv_table (GBK)": csv_release,
        "sdmx_csv": sdmx_release,
        "nbs_json": nbs_release,
    }
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name, build in builders.items():
            content, source = build(args.rows)
            ours = [time_planwatch(content, source, workdir) for _ in range(args.rounds)]
            base = [time_baseline(content, source, workdir) for _ in range(args.rounds)]
            t_ours = statistics.median(t for t, _ in ours)
            t_base = statistics.median(t for t, _ in base)
            rows = ours[0][1]
            results[name] = {
                "rows": rows,
                "bytes": len(content),
                "planwatch_s": round(t_ours, 3),
                "baseline_s": round(t_base, 3),
                "planwatch_rows_per_s": round(rows / t_ours),
                "baseline_rows_per_s": round(base[0][1] / t_base),
                "ratio": round(t_ours / t_base, 1),
            }
            r = results[name]
            sys.stdout.write(
                f"{name:16} {rows:>8} rows  planwatch {r['planwatch_rows_per_s']:>9,} rows/s  "
                f"duckdb {r['baseline_rows_per_s']:>10,} rows/s  ratio {r['ratio']}x\n"
            )
    out = REPO / "artifacts" / "bench" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
