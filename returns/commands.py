"""`planwatch returns ...`: the command-line face of bureau progress returns.

planwatch returns template [--plan ID] [--bureau CODE] --month YYYY-MM [--out DIR]
planwatch returns check FILE [--reply DIR]
planwatch returns review [--accept SHA | --send-back SHA | --reopen SHA] [--reason TEXT] [--reviewer NAME]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import UsageError
from core.settings import load_settings, parse_month


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `returns` commands to the planwatch CLI."""
    ret = sub.add_parser("returns", help="bureau progress returns (进展填报)").add_subparsers(
        dest="action", required=True
    )
    tpl = ret.add_parser("template", help="write one fill-in .xlsx per bureau for a month")
    tpl.add_argument("--month", required=True, help="the month the return reports on, YYYY-MM")
    tpl.add_argument("--plan", help="plan id (default: the plan of the month's year)")
    tpl.add_argument("--bureau", help="one bureau's template only (a bureau code of bureaus.csv)")
    tpl.add_argument("--out", help="output folder (default: <state dir>/returns_templates/YYYY-MM)")
    tpl.set_defaults(func=_cmd_template)
    chk = ret.add_parser("check", help="check a filled-in return as the night would, and show the reply")
    chk.add_argument("file", help="the filled-in .xlsx")
    chk.add_argument("--reply", help="also write the reply files (text, marked copy) into this folder")
    chk.set_defaults(func=_cmd_check)
    rev = ret.add_parser("review", help="list returns awaiting review, or record a decision")
    act = rev.add_mutually_exclusive_group()
    act.add_argument("--accept", metavar="SHA", help="accept the return (its sha256 or first 8+ characters)")
    act.add_argument("--send-back", metavar="SHA", help="send the return back to its bureau (needs --reason)")
    act.add_argument("--reopen", metavar="SHA", help="reopen an accepted return (needs --reason)")
    rev.add_argument("--reason", help="why (required to send back or reopen)")
    rev.add_argument("--reviewer", help="who decides (required with a decision)")
    rev.set_defaults(func=_cmd_review)


def _cmd_template(args: argparse.Namespace) -> int:
    from returns.templates import write_templates

    settings = load_settings()
    month = parse_month(args.month)
    out = Path(args.out) if args.out else settings.state_dir / "returns_templates" / args.month
    files = write_templates(settings, month.year, month.month, out, args.plan, args.bureau)
    print(f"wrote {len(files)} templates for {args.month} under {out}")
    for path in files:
        print(f"  {path.name}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from returns.checking import check_file

    result = check_file(load_settings(), Path(args.file))
    print(result.text.rstrip())
    if args.reply and result.files:
        folder = Path(args.reply)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in result.files.items():
            (folder / name).write_bytes(content)
        print(f"reply written under {folder}: {', '.join(result.files)}")
    return 0 if result.ok else 1


def _cmd_review(args: argparse.Namespace) -> int:
    from returns.reviewing import decide, listing

    settings = load_settings()
    chosen = [(d, sha) for d, sha in (("accepted", args.accept), ("sent_back", args.send_back),
                                      ("reopened", args.reopen)) if sha]  # fmt: skip
    if not chosen:
        if args.reason or args.reviewer:
            raise UsageError("--reason and --reviewer go with a decision: --accept, --send-back or --reopen")
        print(listing(settings))
        return 0
    if not args.reviewer:
        raise UsageError("a decision needs the reviewer's name: --reviewer NAME")
    decision, sha = chosen[0]
    print(decide(settings, sha, decision, args.reviewer, args.reason))
    return 0
