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
import importlib
import json
import logging
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from core.errors import PlanwatchError, one_line
from core.settings import load_settings, parse_month

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


# Every package that has commands registers them here (one `commands.py` per package).
COMMAND_MODULES = (
    "reporting.commands",
    "publishing.commands",
    "ingest.commands",
    "samples.commands",
    "plancatalog.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planwatch",
        description="Track a district work plan's targets against bureau statistics (Airflow + dbt + DuckDB + GX).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level, with tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the nightly pipeline once (airflow dags test) and print a summary")
    run.add_argument("--as-of", help="as-of month YYYY-MM (default: config/settings.yml demo_as_of)")
    run.set_defaults(func=_cmd_run)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. Every failure ends as one line on stderr and an exit code, never a traceback:
    2 for an error the user can act on (PlanwatchError), 3 for a fault in planwatch itself."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args))
    except PlanwatchError as exc:
        print(f"planwatch: error: {one_line(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("planwatch: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a fault in planwatch itself: still one line, the traceback only with -v
        log.debug("unexpected error", exc_info=True)
        if args.verbose:
            traceback.print_exc()
        print(f"planwatch: internal error: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
