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
