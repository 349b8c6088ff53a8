"""``planwatch plan extract`` and ``planwatch plan diff``: the command-line face of plancatalog."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from plancatalog.diff import compare, load_catalog, load_draft, precision_recall, render
from plancatalog.extract import PlanInputError, extract_targets, read_plan_text, write_draft

logger = logging.getLogger(__name__)

DEFAULT_CATALOG = Path("dbt_project/seeds/plan_targets.csv")
DEFAULT_PLAN = Path("plan/2024_district_work_plan.txt")

EXIT_OK = 0
EXIT_DIFFERENT = 1
EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plan`` command (with ``extract`` and ``diff``) to the planwatch CLI."""
    plan = subparsers.add_parser("plan", help="turn a work plan into draft targets and review them")
    commands = plan.add_subparsers(dest="plan_command", metavar="{extract,diff}")
    commands.required = True

    extract = commands.add_parser("extract", help="read a Chinese plan text and write a draft catalog (CSV)")
    extract.add_argument("plan_file", type=Path, metavar="PLAN.txt", help="the plan, UTF-8 text")
    extract.add_argument(
        "--out", type=Path, required=True, metavar="DRAFT.csv", help="draft catalog to write"
    )
    extract.add_argument("--year", type=int, default=None, help="plan year (default: read from the title)")
    extract.set_defaults(func=run_extract)

    diff = commands.add_parser(
        "diff", help="compare a draft with the reviewed catalog: new, changed, missing"
    )
    diff.add_argument("draft", type=Path, metavar="DRAFT.csv")
    diff.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG, help=f"default: {DEFAULT_CATALOG}")
    diff.add_argument(
        "--plan",
        type=Path,
        default=None,
        help=f"plan text the quotes come from, to pair rows by span (default: {DEFAULT_PLAN})",
    )
    diff.set_defaults(func=run_diff)


def _fail(message: str) -> int:
    print(f"planwatch plan: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_extract(args: argparse.Namespace) -> int:
    try:
        text = read_plan_text(args.plan_file)
        targets = extract_targets(text, args.year)
    except PlanInputError as exc:
        return _fail(str(exc) if str(exc).startswith(str(args.plan_file)) else f"{args.plan_file}: {exc}")
    if not targets:
        return _fail(
            f"{args.plan_file}: found no targets; expected a Chinese work plan with quantitative targets "
            "(numbers with units such as 亿元, %, 个) or milestones (建成, 投产, 开工…)"
        )
    try:
        count = write_draft(targets, args.out)
    except OSError as exc:
        return _fail(f"{args.out}: cannot write the draft ({exc.strerror})")
    logger.info("wrote %d draft targets to %s", count, args.out)
    print(f"{count} draft targets written to {args.out}", file=sys.stderr)
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    plan_path = args.plan if args.plan is not None else (DEFAULT_PLAN if DEFAULT_PLAN.exists() else None)
    try:
        draft = load_draft(args.draft)
        catalog = load_catalog(args.catalog)
        plan_text = read_plan_text(plan_path) if plan_path is not None else None
    except PlanInputError as exc:
        return _fail(str(exc))
    result = compare(draft, catalog, plan_text)
    print(render(result))
    precision, recall = precision_recall(result, len(draft), len(catalog))
    print(f"precision {precision:.1%}, recall {recall:.1%} (span overlap and equal values)")
    return EXIT_OK if result.identical else EXIT_DIFFERENT
