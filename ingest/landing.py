"""The landing zone: every fetched release kept byte for byte, content-addressed by sha256.

landing/<source_id>/<sha256><suffix> holds the file (read-only, not world-readable);
landing/<source_id>/manifest.jsonl records each delivery: the location (redacted: never a token), when it
was fetched, its size, the HTTP validators (ETag, Last-Modified) used to avoid refetching an unchanged
release, and its release date with where that date came from:

- `fetched`: the day it was fetched (in the plan's time zone), when nothing better is known;
- `last_modified`: the server's Last-Modified header;
- `content`: a date written in the release itself (发布日期), recorded by the load stage in one more line
  for the same delivery once the release has been parsed.

A re-delivered release is a new line with its own date, so "as known on" never dates a revision back to
the release it replaces.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Literal
from zoneinfo import ZoneInfo

from ingest.locations import redact
from ingest.paths import deployment_umask, make_dirs, write_atomic

# Release dates are the district's calendar days: a 02:00 fetch in Shanghai is the previous day in UTC.
RELEASE_TIMEZONE = ZoneInfo("Asia/Shanghai")

DateSource = Literal["content", "last_modified", "fetched"]


@dataclass(frozen=True)
class ManifestEntry:
    source_id: str
    location: str  # redacted
    fetched_at: str  # ISO 8601, UTC
    sha256: str
    size: int
    path: str  # relative to the landing root
    etag: str | None = None
    last_modified: str | None = None
    release_date: str | None = None  # ISO date; None only in lines written before release dates existed
    release_date_source: DateSource | None = None


def delivery_date(fetched_at: datetime, last_modified: str | None) -> tuple[date, DateSource]:
    """The release date known at fetch time: the server's Last-Modified, else the fetch day."""
    if last_modified:
        try:
            return parsedate_to_datetime(last_modified).astimezone(RELEASE_TIMEZONE).date(), "last_modified"
        except (TypeError, ValueError):
            pass  # a malformed header dates nothing
    return fetched_at.astimezone(RELEASE_TIMEZONE).date(), "fetched"


_FIELDS = {f.name for f in fields(ManifestEntry)}


class Landing:
    # fetch threads of one process append to the same manifest and read it: a read while another thread
    # appends could see half a line (re-entrant: keep() reads the latest entry while holding it)
    _manifest_lock = threading.RLock()

    def __init__(self, root: Path) -> None:
        self.root = root
        # source -> (the manifest's size and mtime, latest entry per location): a fetch asks for every
        # release's previous delivery, and re-reading the whole manifest each time made a night with
        # nothing new read a 200-line manifest 400 times
        self._index: dict[str, tuple[tuple[int, int] | None, dict[str, ManifestEntry]]] = {}

    def _manifest_path(self, source_id: str) -> Path:
        return self.root / source_id / "manifest.jsonl"

    def entries(self, source_id: str) -> list[ManifestEntry]:
        path = self._manifest_path(source_id)
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as fh:
            text = fh.read()
        # a line without its newline is an append still being written by another process (or cut short
        # by a crash): it is not yet a delivery, and the release is simply fetched again
        complete = text[: text.rfind("\n") + 1]
        rows = [json.loads(line) for line in complete.splitlines() if line.strip()]
        return [ManifestEntry(**{k: v for k, v in row.items() if k in _FIELDS}) for row in rows]

    def latest_for(self, source_id: str, location: str) -> ManifestEntry | None:
        with self._manifest_lock:
            return self._latest_by_location(source_id).get(redact(location))

    def _latest_by_location(self, source_id: str) -> dict[str, ManifestEntry]:
        path = self._manifest_path(source_id)
        stamp = _stamp(path)
        cached = self._index.get(source_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        latest = {entry.location: entry for entry in self.entries(source_id)}  # later lines win
        self._index[source_id] = (stamp, latest)
        return latest

    def path_of(self, entry: ManifestEntry) -> Path:
        return self.root / entry.path

    def keep(
        self,
        source_id: str,
        location: str,
        content: bytes,
        fetched_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> ManifestEntry:
        """Store the bytes untouched (once per sha256) and record the delivery if it is new."""
        sha = hashlib.sha256(content).hexdigest()
        shown = redact(location)
        suffix = PurePosixPath(shown.split("?")[0]).suffix.lower()
        rel = Path(source_id) / f"{sha}{suffix}"
        target = self.root / rel
        if not target.exists():
            write_atomic(target, content, read_only=True)
        released, date_source = delivery_date(fetched_at, last_modified)
        entry = ManifestEntry(
            source_id,
            shown,
            fetched_at.isoformat(),
            sha,
            len(content),
            str(rel),
            etag,
            last_modified,
            released.isoformat(),
            date_source,
        )
        with self._manifest_lock:
            previous = self.latest_for(source_id, shown)
            if (
                previous is not None
                and previous.sha256 == sha
                and (previous.etag, previous.last_modified) == (etag, last_modified)
            ):
                return previous  # the same delivery seen again keeps its first date
            self._append(entry)
        return entry

    def record_content_date(self, entry: ManifestEntry, released: date) -> ManifestEntry:
        """The release states its own date: one more manifest line for the same delivery says so."""
        dated = replace(entry, release_date=released.isoformat(), release_date_source="content")
        if dated != entry:
            with self._manifest_lock:
                self._append(dated)
        return dated

    def _append(self, entry: ManifestEntry) -> None:
        path = self._manifest_path(entry.source_id)
        make_dirs(path.parent)
        mode = 0o666 & ~deployment_umask()
        line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode("utf-8")
        before = _stamp(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, mode)
        with os.fdopen(fd, "ab") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(line)
        self._index_appended(entry, before, _stamp(path), len(line))

    def _index_appended(
        self, entry: ManifestEntry, before: tuple[int, int] | None, after: tuple[int, int] | None, size: int
    ) -> None:
        """The index takes the line just appended, unless another process appended too (then the manifest
        is read again): a first load appends a line per release, and re-reading the whole manifest after
        each made landing n releases cost n reads of up to 2n lines."""
        cached = self._index.pop(entry.source_id, None)
        grew_by_ours = after is not None and after[0] == (before[0] if before else 0) + size
        if cached is not None and cached[0] == before and grew_by_ours:
            cached[1][entry.location] = entry
            self._index[entry.source_id] = (after, cached[1])

    def read(self, entry: ManifestEntry) -> bytes:
        return self.path_of(entry).read_bytes()


def _stamp(path: Path) -> tuple[int, int] | None:
    """The manifest's size and modification time: a change means someone appended to it."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_size, stat.st_mtime_ns)
