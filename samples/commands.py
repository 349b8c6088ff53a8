"""`planwatch samples generate`: regenerate the bundled sample releases."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from core.settings import load_settings, parse_month


def register(sub: argparse._SubParsersAction) -> None:
    smp = sub.add_parser("samples", help="sample data").add_subparsers(dest="action", required=True)
    gen = smp.add_parser("generate", help="regenerate the bundled sample releases")
    gen.add_argument("--as-of", help="last month of sample data, YYYY-MM (default: the bundled 2025-03)")
    gen.add_argument("--out", help="output folder (default: the data root)")
    gen.set_defaults(func=_cmd_samples_generate)


def _cmd_samples_generate(args: argparse.Namespace) -> int:
    from samples.generate import SAMPLE_END, generate

    settings = load_settings()
    as_of = parse_month(args.as_of) if args.as_of else date(*SAMPLE_END, 1)
    out = Path(args.out) if args.out else settings.data_root
    files = generate(out, as_of.year, as_of.month)
    print(f"wrote {len(files)} sample releases under {out}")
    return 0
