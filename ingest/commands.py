"""`planwatch sources list|check|add|load|reprocess|withdraw`: the source registry and the raw layer.

A data engineer's loop: `sources add --sample FILE` drafts an entry and shows what it would load, `--save`
writes it; `sources check` validates every entry the way the nightly run does before it fetches;
`sources load ID` fetches, checks and loads one source now (under the raw file's writer lock, as the
nightly run) and prints what it loaded and anything no target reads. A wrong mapping already loaded is
corrected with `sources reprocess ID`; a bad release is taken out with `sources withdraw ID --release SHA`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import UsageError
from core.settings import Settings, load_settings, parse_month


def register(sub: argparse._SubParsersAction) -> None:
    src = sub.add_parser("sources", help="the source registry").add_subparsers(dest="action", required=True)
    src.add_parser("list", help="sources and their last load").set_defaults(func=_cmd_list)
    src.add_parser("check", help="validate every registry entry as the nightly run does").set_defaults(
        func=_cmd_check
    )
    add = src.add_parser("add", help="draft a registry entry from a sample release and preview what it loads")
    add.add_argument("--sample", required=True, help="a sample release file (.xlsx, .csv, .json)")
    add.add_argument("--save", action="store_true", help="write config/sources/<id>.yml if the sample loads")
    add.set_defaults(func=_cmd_add)
    load = src.add_parser("load", help="fetch, check and load one source now, and show what it loaded")
    load.add_argument("source_id")
    load.add_argument("--as-of", help="last month to fetch, YYYY-MM (default: the demo as-of month)")
    load.set_defaults(func=_cmd_load)
    again = src.add_parser("reprocess", help="re-parse a source's loaded releases under its corrected entry")
    again.add_argument("source_id")
    again.set_defaults(func=_cmd_reprocess)
    out = src.add_parser("withdraw", help="withdraw a loaded release (kept as history, no longer current)")
    out.add_argument("source_id")
    out.add_argument("--release", required=True, help="the release's sha256 (or its first 8+ characters)")
    out.add_argument("--reason", default="withdrawn by an operator", help="why, kept with the release")
    out.set_defaults(func=_cmd_withdraw)


def _source(settings: Settings, source_id: str):  # noqa: ANN202 (ingest.registry.Source, imported late)
    from ingest.registry import load_registry

    registry = load_registry(settings.sources_dir)
    if source_id not in registry:
        raise UsageError(
            f"no source {source_id!r} in {settings.sources_dir} (sources: {', '.join(registry)})"
        )
    return registry[source_id], registry


def _cmd_list(args: argparse.Namespace) -> int:
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


def _cmd_check(args: argparse.Namespace) -> int:
    from ingest.registry import check_registry, load_registry

    settings = load_settings()
    registry = load_registry(settings.sources_dir)
    problems = check_registry(registry, settings.dbt_project_dir / "seeds" / "indicators.csv")
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems in the source registry", file=sys.stderr)
        return 1
    print(f"{len(registry)} sources valid, every mapping in the indicator catalog: {', '.join(registry)}")
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from ingest.inspect import draft_entry

    settings = load_settings()
    drafted = draft_entry(Path(args.sample), settings.dbt_project_dir / "seeds" / "indicators.csv")
    print(drafted.yaml)
    print("what loading the sample with this entry would write:")
    print(drafted.preview)
    if not args.save:
        return 0 if drafted.parses else 1
    target = settings.sources_dir / f"{drafted.entry['id']}.yml"
    if not drafted.parses:
        raise UsageError(f"not saved: the sample does not load with the drafted entry ({drafted.preview})")
    if target.exists():
        raise UsageError(f"not saved: {target} exists (edit it, or rename the drafted id)")
    target.write_text(drafted.yaml, encoding="utf-8")
    print(f"saved {target}; next: set its indicator codes, then `planwatch sources check`")
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    import duckdb

    from ingest.formats.maintenance import load_summary, unused_figures
    from ingest.paths import IngestPaths
    from ingest.pipeline import ingest_source
    from ingest.registry import check_registry

    settings = load_settings()
    source, registry = _source(settings, args.source_id)
    catalog = settings.dbt_project_dir / "seeds"
    problems = [p for p in check_registry(registry, catalog / "indicators.csv") if source.id in p]
    if problems:
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    as_of = parse_month(args.as_of) if args.as_of else settings.default_as_of()
    result = ingest_source(source, IngestPaths.from_settings(settings), as_of)
    print(
        f"{source.id}: {result.status}; {result.releases_new} new releases, {result.releases_unchanged} "
        f"unchanged, {result.releases_missing} not published, {len(result.rejected)} rejected, "
        f"{result.rows_loaded} figures loaded (load {result.load_id})"
    )
    for reason in result.rejected:
        print(f"  rejected: {reason}")
    with duckdb.connect(str(settings.raw_db), read_only=True) as con:
        for code, measure, year, periods, n in load_summary(con, result.load_id):
            print(f"  {code:36} {measure:18} {year} {periods:16} {n:6} figures")
        for u in unused_figures(con, catalog / "plan_targets.csv", load_id=result.load_id):
            print(
                f"  loaded, used by no target: {u.indicator_code} {u.measure} ({u.figures} figures): {u.reason}"
            )
    return 1 if result.rejected else 0


def _cmd_reprocess(args: argparse.Namespace) -> int:
    from ingest.formats.maintenance import reprocess_source
    from ingest.paths import IngestPaths
    from ingest.sandbox import ParseSandbox

    settings = load_settings()
    source, _ = _source(settings, args.source_id)
    done = reprocess_source(source, IngestPaths.from_settings(settings), sandbox=ParseSandbox())
    for r in done:
        print(f"  {r.sha256[:12]} {r.location}: {r.figures_before} -> {r.figures_after} figures")
    print(
        f"{source.id}: {len(done)} releases re-parsed under the current entry; the earlier loads are withdrawn"
    )
    return 0


def _cmd_withdraw(args: argparse.Namespace) -> int:
    from ingest import raw_store
    from ingest.formats import FORMATS

    settings = load_settings()
    source, _ = _source(settings, args.source_id)
    tables = FORMATS[source.format].tables
    if tables is not None and tables.withdraw_refusal:
        raise UsageError(f"source {source.id}: {tables.withdraw_refusal}")
    with raw_store.connect(settings.raw_db, f"planwatch sources withdraw {source.id}") as con:
        info = raw_store.withdraw(con, source.id, args.release, args.reason)
    print(
        f"{source.id}: release {info['sha256'][:12]} ({info['location']}, {info['figures']} figures) withdrawn; "
        "it stays in the raw layer as history and is no longer current"
    )
    return 0
