"""``planwatch plan extract|add|diff``: onboarding a plan from its text (see plancatalog/README.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core.errors import PlanwatchError, one_line
from core.settings import load_settings
from plancatalog import carryover, onboarding
from plancatalog.catalog import PLAN_KINDS, append_rows, default_seeds_dir, read_catalog
from plancatalog.diff import compare_plans, load_side, render
from plancatalog.draft import write_draft
from plancatalog.extract import extract_targets
from plancatalog.plantext import PlanInputError, infer_plan_year, read_plan_text

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plan`` command (extract, add, diff) to the planwatch CLI."""
    plan = subparsers.add_parser(
        "plan", help="onboard a work plan: draft its targets, check and add them, compare"
    )
    commands = plan.add_subparsers(dest="plan_command", metavar="{extract,add,diff}")
    commands.required = True

    extract = commands.add_parser(
        "extract", help="read a Chinese plan text and write a draft (CSV) to review"
    )
    extract.add_argument("plan_file", type=Path, metavar="PLAN.txt", help="the plan, UTF-8 text")
    extract.add_argument("--out", type=Path, required=True, metavar="DRAFT.csv", help="draft to write")
    extract.add_argument("--year", type=int, default=None, help="plan year (default: read from the title)")
    extract.set_defaults(func=run_extract)

    add = commands.add_parser("add", help="check a reviewed draft and append the plan to the catalog seeds")
    add.add_argument("draft", type=Path, metavar="DRAFT.csv")
    add.add_argument("--plan-id", required=True, help="lower_snake id, e.g. district_2025")
    add.add_argument("--jurisdiction", required=True, help="jurisdiction code, e.g. district")
    add.add_argument("--jurisdiction-name", default=None, help="e.g. XX区 (default: the previous plan's)")
    add.add_argument(
        "--region", default=None, help="region code statistics use (default: the previous plan's)"
    )
    add.add_argument("--year", type=int, required=True)
    add.add_argument("--kind", required=True, choices=PLAN_KINDS)
    add.add_argument("--title", default=None, help="default: the text's first line")
    add.add_argument("--adopted-on", required=True, metavar="YYYY-MM-DD")
    add.add_argument(
        "--text", type=Path, required=True, metavar="PLAN.txt", help="the plan text, under the project"
    )
    add.add_argument(
        "--accept-carryover", action="store_true", help="fill empty mappings from last year's plan"
    )
    add.add_argument("--seeds", type=Path, default=None, help="catalog folder (default: dbt_project/seeds)")
    add.set_defaults(func=run_add)

    diff = commands.add_parser(
        "diff", help="compare two plans (plan ids or draft CSVs): new, dropped, changed"
    )
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--seeds", type=Path, default=None, help="catalog folder (default: dbt_project/seeds)")
    diff.set_defaults(func=run_diff)


def _fail(message: str) -> int:
    print(f"planwatch plan: {one_line(PlanInputError(message))}", file=sys.stderr)
    return EXIT_BAD_INPUT


def run_extract(args: argparse.Namespace) -> int:
    try:
        text = read_plan_text(args.plan_file)
        targets = extract_targets(text, args.year)
    except PlanwatchError as exc:
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
    print(f"{count} draft targets written to {args.out}", file=sys.stderr)
    return EXIT_OK


def _plan_meta(
    args: argparse.Namespace, text: str, catalog: onboarding.Catalog, home: Path
) -> onboarding.PlanMeta:
    previous = catalog.previous_plan(args.jurisdiction, args.year)
    text_path = args.text.resolve()
    if not text_path.is_relative_to(home):
        raise PlanInputError(
            f"{args.text}: copy the plan text under {home / 'plan'} first, then add it from there"
        )
    title = args.title or text.split("\n", 1)[0].strip()
    return onboarding.PlanMeta(
        plan_id=args.plan_id,
        jurisdiction_code=args.jurisdiction,
        jurisdiction_name_zh=args.jurisdiction_name
        or (previous or {}).get("jurisdiction_name_zh", args.jurisdiction),
        region_code=args.region or (previous or {}).get("region_code", args.jurisdiction),
        plan_year=args.year,
        kind=args.kind,
        title_zh=title,
        text_file=str(text_path.relative_to(home)),
        adopted_on=args.adopted_on,
    )


def run_add(args: argparse.Namespace) -> int:
    try:
        home = load_settings().home
        seeds = args.seeds or default_seeds_dir()
        catalog = read_catalog(seeds)
        text = read_plan_text(args.text)
        rows = onboarding.read_draft(args.draft)
        meta = _plan_meta(args, text, catalog, home)
    except PlanwatchError as exc:
        return _fail(str(exc))
    if infer_plan_year(text) not in (None, args.year):
        logger.warning("%s: the title names %s, --year says %s", args.text, infer_plan_year(text), args.year)
    rows = _carry_over(rows, catalog, meta, args.accept_carryover)
    problems = onboarding.check_plan(meta, catalog) + onboarding.check_rows(rows, text, meta, catalog)
    if problems:
        for problem in problems:
            print(problem.describe(args.draft), file=sys.stderr)
        print(f"planwatch plan: {len(problems)} problem(s); nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    additions = onboarding.build_additions(rows, text, meta, catalog)
    try:
        append_rows(seeds, additions)
    except PlanwatchError as exc:
        return _fail(str(exc))
    print(
        f"added plan {meta.plan_id}: {len(additions['targets'])} targets, "
        f"{len(additions['indicators'])} new indicators, {len(additions['lines'])} text lines ({seeds})"
    )
    return EXIT_OK


def _carry_over(
    rows: list[dict[str, str]], catalog: onboarding.Catalog, meta: onboarding.PlanMeta, accept: bool
) -> list[dict[str, str]]:
    previous = catalog.previous_plan(meta.jurisdiction_code, meta.plan_year)
    if previous is None:
        print(f"no earlier plan of {meta.jurisdiction_code} in the catalog: nothing to carry over")
        return rows
    proposals = carryover.propose(rows, catalog, previous["plan_id"])
    verb = "carried over" if accept else "proposed (pass --accept-carryover to use)"
    print(f"from {previous['plan_id']}, {len(proposals)} of {len(rows)} rows {verb}:")
    for proposal in proposals:
        print("  " + carryover.describe(proposal, rows))
    return carryover.accept(rows, proposals) if accept else rows


def run_diff(args: argparse.Namespace) -> int:
    try:
        catalog = read_catalog(args.seeds or default_seeds_dir())
        old_label, old = load_side(args.old, catalog)
        new_label, new = load_side(args.new, catalog)
    except PlanwatchError as exc:
        return _fail(str(exc))
    print(render(compare_plans(old, new), old_label, new_label))
    return EXIT_OK
