"""`planwatch report`: regenerate a plan's progress report from the serving warehouse."""

from __future__ import annotations

import argparse

from core.settings import load_settings, parse_month


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser("report", help="regenerate a plan's progress report from the serving warehouse")
    rep.add_argument("--plan", help="plan id (marts.dim_plans; default: the only plan with progress then)")
    rep.add_argument("--as-of", help="as-of month YYYY-MM (default: the plan's latest in the warehouse)")
    rep.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from core.errors import DataError
    from publishing.readers import open_serving
    from reporting import generate
    from reporting.queries import latest_as_of

    settings = load_settings()
    if not settings.serving_db.exists():
        raise DataError(f"{settings.serving_db} does not exist: nothing has been published yet")
    if args.as_of is None:
        with open_serving(settings.serving_db) as con:
            as_of = latest_as_of(con, args.plan)
    else:
        as_of = parse_month(args.as_of)
    out = generate(settings.serving_db, as_of, settings.reports_dir, plan_id=args.plan)
    print(
        f"report of {out['plan_title']} ({out['plan_id']}) as of {out['as_of']}:\n  {out['html']}\n  {out['xlsx']}"
    )
    return 0
