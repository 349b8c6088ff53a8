"""planwatch: the one command people type.

planwatch run                      run the nightly pipeline once through Airflow on the configured data
planwatch report [--as-of YYYY-MM] regenerate the progress report from the serving warehouse
planwatch publish list|rollback    list published warehouses, or serve an earlier one again
planwatch sources list|check       show the source registry and each source's last load, or validate it
planwatch samples generate         regenerate the bundled sample releases (deterministic)
planwatch plan extract|diff        turn a plan text into a draft target catalog, compare with the reviewed one
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ingest.errors import PlanwatchError
from planwatch.settings import load_settings, parse_month

log = logging.getLogger("planwatch")


def _cmd_run(args: argparse.Namespace) -> int:
    from planwatch.airflow_env import airflow_bin, airflow_env, ensure_metadata_db

    settings = load_settings()
    as_of = args.as_of or f"{settings.default_as_of():%Y-%m}"
    parse_month(as_of)
    env = airflow_env(settings)
    logs = settings.home / ".airflow" / "runs"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log_file = logs / f"run-{stamp}.log"
    print(f"planwatch: nightly run for as-of {as_of} (Airflow log: {log_file})", flush=True)
    ensure_metadata_db(settings, env, log_file)
    summary_path = settings.runs_dir / "latest.json"
    summary_path.unlink(missing_ok=True)  # whatever summary exists afterwards is this run's
    logical_date = datetime.now(UTC).replace(microsecond=0).isoformat()
    cmd = [
        airflow_bin(),
        "dags",
        "test",
        "planwatch_nightly",
        logical_date,
        "-c",
        json.dumps({"as_of": as_of}),
    ]
    with log_file.open("a") as out:
        proc = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - started
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    ok = proc.returncode == 0 and summary.get("publish") is not None and not summary.get("failed_sources")
    print(_format_summary(summary, settings.serving_db, ok, elapsed))
    if not ok:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        errors = [line for line in tail if "ERROR" in line or "Exception" in line or "failed" in line]
        print(
            "\nlast errors from the Airflow log:\n  " + "\n  ".join(errors[-12:] or tail[-12:]),
            file=sys.stderr,
        )
        return proc.returncode or 1
    return 0


def _format_summary(summary: dict, serving_db: Path, ok: bool, elapsed: float) -> str:
    lines = [f"planwatch: run {'succeeded' if ok else 'FAILED'} in {elapsed:.1f} s"]
    for src in summary.get("sources") or []:
        lines.append(
            f"  source {src['source_id']}: {src['status']}, {src['rows_loaded']} rows loaded "
            f"({src['releases_new']} new releases, {src['releases_unchanged']} unchanged)"
        )
    for sid in summary.get("failed_sources") or []:
        lines.append(f"  source {sid}: NOT LOADED (see the Airflow log and quarantine/)")
    validation = summary.get("validation")
    lines.append(
        f"  validation: {'passed (' + str(validation['checks']) + ' checks)' if validation else 'FAILED or not run'}"
    )
    rep = summary.get("report") or {}
    if counts := rep.get("status_counts"):
        lines.append(
            f"  targets as of {rep.get('as_of')}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
    if summary.get("publish"):
        lines.append(f"  serving warehouse: {serving_db} (publish {summary['publish']['publish_id']})")
    else:
        lines.append(f"  serving warehouse: not replaced ({serving_db})")
    if rep.get("html"):
        lines.append(f"  report: {rep['html']}")
    if rep.get("xlsx"):
        lines.append(f"  workbook: {rep['xlsx']}")
    warnings = (validation or {}).get("warnings") or []
    if warnings:
        lines.append(f"  quality warnings ({len(warnings)}), published anyway:")
        lines += [f"    - {w[:160]}" for w in warnings[:5]]
    return "\n".join(lines)


def _cmd_report(args: argparse.Namespace) -> int:
    from planwatch.nightly import report

    settings = load_settings()
    as_of = args.as_of
    if as_of is None:
        import duckdb

        from reporting.queries import latest_as_of

        with duckdb.connect(str(settings.serving_db), read_only=True) as con:
            as_of = f"{latest_as_of(con):%Y-%m}"
    out = report(as_of, settings)
    print(f"report for {as_of}:\n  {out['html']}\n  {out.get('xlsx', '')}".rstrip())
    return 0


def _cmd_publish_list(args: argparse.Namespace) -> int:
    from publishing.publish import current_publish_id, list_published

    settings = load_settings()
    current = current_publish_id(settings.serving_db, settings.published_dir)
    for pid in list_published(settings.published_dir):
        print(f"{'*' if pid == current else ' '} {pid}")
    return 0


def _cmd_publish_rollback(args: argparse.Namespace) -> int:
    from publishing.publish import rollback

    settings = load_settings()
    to = rollback(settings.serving_db, settings.published_dir, args.to)
    print(f"serving warehouse is now publish {to}")
    return 0


def _cmd_sources_list(args: argparse.Namespace) -> int:
    import duckdb

    from ingest.registry import load_registry

    settings = load_settings()
    registry = load_registry(settings.sources_dir)
    last: dict[str, tuple] = {}
    if settings.raw_db.exists():
        with duckdb.connect(str(settings.raw_db), read_only=True) as con:
            tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
            if "load_log" in tables:
                for row in con.execute(
                    "select source_id, max(finished_at), arg_max(status, finished_at) from load_log group by 1"
                ).fetchall():
                    last[row[0]] = row[1:]
    for sid, src in registry.items():
        when, status = last.get(sid, (None, "never loaded"))
        print(f"{sid:32} {src.bureau:20} {src.format:12} {status:12} {when or ''}  {src.title}")
    return 0


def _cmd_sources_check(args: argparse.Namespace) -> int:
    from ingest.registry import check_mappings, load_registry

    settings = load_settings()
    registry = load_registry(settings.sources_dir)
    problems = check_mappings(registry, settings.dbt_project_dir / "seeds" / "indicators.csv")
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems between the registry and the indicator catalog", file=sys.stderr)
        return 1
    print(f"{len(registry)} sources valid, every mapping in the indicator catalog: {', '.join(registry)}")
    return 0


def _cmd_sources_add(args: argparse.Namespace) -> int:
    from ingest.inspect import propose_entry

    settings = load_settings()
    print(propose_entry(Path(args.sample), settings.dbt_project_dir / "seeds" / "indicators.csv"))
    return 0


def _cmd_samples_generate(args: argparse.Namespace) -> int:
    from samples.generate import generate

    settings = load_settings()
    as_of = parse_month(args.as_of) if args.as_of else settings.default_as_of()
    out = Path(args.out) if args.out else settings.data_root
    files = generate(out, as_of.year, as_of.month)
    print(f"wrote {len(files)} sample releases under {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planwatch",
        description="Track a district work plan's targets against bureau statistics (Airflow + dbt + DuckDB + GX).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the nightly pipeline once (airflow dags test) and print a summary")
    run.add_argument("--as-of", help="as-of month YYYY-MM (default: config/settings.yml demo_as_of)")
    run.set_defaults(func=_cmd_run)

    rep = sub.add_parser("report", help="regenerate the progress report from the serving warehouse")
    rep.add_argument("--as-of", help="as-of month YYYY-MM (default: the latest in the warehouse)")
    rep.set_defaults(func=_cmd_report)

    pub = sub.add_parser("publish", help="published warehouse files").add_subparsers(
        dest="action", required=True
    )
    pub.add_parser("list", help="list kept publishes; * marks the one being served").set_defaults(
        func=_cmd_publish_list
    )
    rb = pub.add_parser("rollback", help="serve an earlier publish again (default: the previous one)")
    rb.add_argument("--to", help="publish id from 'planwatch publish list'")
    rb.set_defaults(func=_cmd_publish_rollback)

    src = sub.add_parser("sources", help="the source registry").add_subparsers(dest="action", required=True)
    src.add_parser("list", help="sources and their last load").set_defaults(func=_cmd_sources_list)
    src.add_parser("check", help="validate every registry entry and its mappings").set_defaults(
        func=_cmd_sources_check
    )
    add = src.add_parser("add", help="inspect a sample release and print a proposed registry entry")
    add.add_argument("--sample", required=True, help="a sample release file (.xlsx, .csv, .json)")
    add.set_defaults(func=_cmd_sources_add)

    smp = sub.add_parser("samples", help="sample data").add_subparsers(dest="action", required=True)
    gen = smp.add_parser("generate", help="regenerate the bundled sample releases")
    gen.add_argument("--as-of", help="last month of sample data, YYYY-MM")
    gen.add_argument("--out", help="output folder (default: the data root)")
    gen.set_defaults(func=_cmd_samples_generate)

    try:
        from plancatalog.commands import register
    except ImportError:  # the plan extractor is optional for the pipeline itself
        pass
    else:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args))
    except (PlanwatchError, LookupError, ValueError, OSError) as exc:
        print(f"planwatch: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
