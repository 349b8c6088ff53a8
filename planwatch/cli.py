"""planwatch: the one command people type.

planwatch run                      run the nightly pipeline once through Airflow on the configured data
planwatch report [--as-of YYYY-MM] regenerate the progress report from the serving warehouse
planwatch publish list|rollback    list published warehouses, or serve an earlier one again
planwatch sources list|check       show the source registry and each source's last load, or validate it
planwatch samples generate         regenerate the bundled sample releases (deterministic)
planwatch plan extract|add|diff    turn a plan text into a draft catalog, add a reviewed plan, compare plans
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback

from core.errors import PlanwatchError, one_line

log = logging.getLogger("planwatch")


def _cmd_run(args: argparse.Namespace) -> int:
    from planwatch.runcmd import run_nightly

    return run_nightly(args.as_of, plan=args.plan, known_on=args.known_on, full=args.full)


# Every package that has commands registers them here (one `commands.py` per package).
COMMAND_MODULES = (
    "reporting.commands",
    "publishing.commands",
    "ingest.commands",
    "samples.commands",
    "plancatalog.commands",
    "returns.commands",
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
    run.add_argument("--plan", help="report only this plan (default: every active plan)")
    run.add_argument("--full", action="store_true", help="build, validate and publish even if nothing is new")
    run.add_argument(
        "--known-on", help="YYYY-MM-DD: build every figure as it was known that day, not as restated since"
    )
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
