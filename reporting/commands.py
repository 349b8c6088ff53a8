"""`planwatch report`: regenerate the progress report from the serving warehouse."""

from __future__ import annotations

import argparse

from core.settings import load_settings, parse_month


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="regenerate the progress report from the serving warehouse")
    rep.add_argument("--as-of", help="as-of month YYYY-MM (default: the latest in the warehouse)")
    rep.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from reporting import generate

    settings = load_settings()
    as_of = args.as_of
    if as_of is None:
        import duckdb

        from reporting.queries import latest_as_of

        with duckdb.connect(str(settings.serving_db), read_only=True) as con:
            as_of = f"{latest_as_of(con):%Y-%m}"
    out = generate(settings.serving_db, parse_month(as_of), settings.reports_dir)
    print(f"report for {as_of}:\n  {out['html']}\n  {out.get('xlsx', '')}".rstrip())
    return 0
