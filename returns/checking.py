"""`planwatch returns check FILE`: a bureau (or the office) tries a filled-in return before sending it.

The file goes through exactly what the night does with it: the format's reader in the parse worker, every
check, and the load with the checks against the bureau's earlier returns, in a transaction of the raw
file that is rolled back (so nothing is loaded). Without a raw file yet, the earlier returns are simply
none. The result is the reply the bureau would get, or a line saying the file would be accepted for review.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from core.errors import UsageError
from core.settings import Settings
from ingest import raw_store
from ingest.errors import ReleaseError
from ingest.formats.base import ReleaseContext
from ingest.formats.engine import parse_release
from ingest.formats.progress_return.reply import reply
from ingest.sandbox import ParseSandbox
from returns.templates import returns_source


@dataclass(frozen=True)
class Checked:
    ok: bool
    text: str  # the reply the bureau would get, or the line saying it passed
    files: dict[str, bytes] = field(default_factory=dict)  # the reply's files (a marked copy), if rejected


@contextlib.contextmanager
def _trial(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose changes are rolled back: the raw file's (under its lock), else a scratch one."""
    if settings.raw_db.exists():
        with raw_store.connect(settings.raw_db, "planwatch returns check") as con:
            con.execute("begin transaction")
            try:
                yield con
            finally:
                con.execute("rollback")
        return
    with duckdb.connect() as con:
        raw_store.create_schema(con)
        yield con


def check_file(settings: Settings, path: Path, today: date | None = None) -> Checked:
    source = returns_source(settings)
    if source is None:
        raise UsageError(f"no registry entry of format progress_return in {settings.sources_dir}")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from exc
    # year 0: a file checked on its own, not from a drop folder (no folder month to compare with)
    ctx = ReleaseContext(path.name, 0, 0, today or date.today())
    sha = hashlib.sha256(content).hexdigest()
    now = datetime.now(UTC)
    try:
        with _trial(settings) as con:
            known = raw_store.is_loaded(con, source.id, sha)
            parsed = parse_release(con, path, source, ctx, sandbox=ParseSandbox())
            meta = raw_store.ReleaseMeta(
                source.id, sha, path.name, "", len(content), now, parsed.release_date or now.date()
            )
            rows = raw_store.load_release(con, meta, parsed, "returns-check", now, own_transaction=False)
    except ReleaseError as exc:
        files = ParseSandbox().run(reply, content, path.name, exc.findings, exc.extra, where=exc.where)
        return Checked(False, files["回复.txt"].decode("utf-8"), files)
    note = "（该文件已报送过）" if known else ""
    return Checked(
        True, f"{path.name}：通过校验，{rows}项目标；报送后为待审核，经规划办审核接受后计入评估{note}。"
    )
