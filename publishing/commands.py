"""`planwatch publish list|rollback`: the kept publishes of the serving warehouse."""

from __future__ import annotations

import argparse

from core.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    pub = sub.add_parser("publish", help="published warehouse files").add_subparsers(
        dest="action", required=True
    )
    pub.add_parser("list", help="list kept publishes; * marks the one being served").set_defaults(
        func=_cmd_publish_list
    )
    rb = pub.add_parser("rollback", help="serve an earlier publish again (default: the previous one)")
    rb.add_argument("--to", help="publish id from 'planwatch publish list'")
    rb.set_defaults(func=_cmd_publish_rollback)
    sx = pub.add_parser(
        "export-sdmx", help="write the served indicator figures as SDMX-CSV 2.0 (every publish also does)"
    )
    sx.add_argument("--out", help="file to write (default: warehouse/sdmx/current/planwatch_indicators.csv)")
    sx.add_argument(
        "--dataflow", help="AGENCY:ID(VERSION) to declare (default: PLANWATCH:DF_PLAN_INDICATORS(1.0))"
    )
    sx.set_defaults(func=_cmd_export_sdmx)


def _cmd_publish_list(args: argparse.Namespace) -> int:
    from publishing.publish import current_publish_id, list_published

    settings = load_settings()
    current = current_publish_id(settings.serving_db, settings.published_dir)
    for pid in list_published(settings.published_dir):
        print(f"{'*' if pid == current else ' '} {pid}")
    return 0


def _cmd_publish_rollback(args: argparse.Namespace) -> int:
    from publishing.publish import rollback

    settings = load_settings()
    to = rollback(settings.serving_db, settings.published_dir, args.to)
    print(f"serving warehouse is now publish {to}")
    return 0


def _cmd_export_sdmx(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.errors import DataError
    from publishing.exports import SDMX_DIR, publish_folder
    from publishing.publish import current_publish_id
    from publishing.sdmx import DATAFLOW, FILE_NAME, write_sdmx

    settings = load_settings()
    if not settings.serving_db.exists():
        raise DataError(f"{settings.serving_db} does not exist: nothing has been published yet")
    dataflow = args.dataflow or DATAFLOW
    if args.out:
        written = write_sdmx(settings.serving_db, Path(args.out), dataflow)
    else:  # beside the publish it was made from, as the nightly's own export
        publish_id = current_publish_id(settings.serving_db, settings.published_dir) or "unarchived"
        publish_folder(
            settings.warehouse_dir / SDMX_DIR,
            publish_id,
            lambda folder: write_sdmx(settings.serving_db, folder / FILE_NAME, dataflow),
        )
        written = settings.warehouse_dir / SDMX_DIR / "current" / FILE_NAME
    print(f"SDMX-CSV 2.0 ({dataflow}): {written}")
    return 0
