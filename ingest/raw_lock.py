"""The raw file's writer lock: one writer at a time, failing at once and naming who holds the file.

DuckDB allows one writing process per file. Every writer (raw_store.connect) first takes an exclusive
`flock` on a file beside the database (`raw.duckdb.lock`), without waiting, and writes who holds it
(process, host, command, since when) into it; a second writer fails at once with RawStoreBusy naming the
holder instead of waiting or failing slowly inside DuckDB.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.errors import TransientError


class RawStoreBusy(TransientError):
    """Another writer holds the raw file: fails at once (no waiting), naming who holds it."""


def _holder_text(info: str) -> str:
    try:
        data = json.loads(info)
    except ValueError:
        return "an unknown process"
    return f"pid {data.get('pid')} on {data.get('host')} ({data.get('holder')}) since {data.get('since')}"


@contextlib.contextmanager
def exclusive(path: Path, holder: str) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info = os.pread(fd, 4096, 0).decode("utf-8", "replace")
            raise RawStoreBusy(
                f"{path} is being written by {_holder_text(info)}; try again when it has finished"
            ) from None
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "holder": holder,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def default_holder() -> str:
    return " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:4])) or "python"
