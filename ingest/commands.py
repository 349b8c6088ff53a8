"""`planwatch sources list|check|add`: the source registry from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    src = sub.add_parser("sources", help="the source registry").add_subparsers(dest="action", required=True)
    src.add_parser("list", help="sources and their last load").set_defaults(func=_cmd_sources_list)
    src.add_parser("check", help="validate every registry entry and its mappings").set_defaults(
        func=_cmd_sources_check
    )
    add = src.add_parser("add", help="inspect a sample release and print a proposed registry entry")
    add.add_argument("--sample", required=True, help="a sample release file (.xlsx, .csv, .json)")
    add.set_defaults(func=_cmd_sources_add)


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
