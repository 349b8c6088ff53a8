"""One source, end to end: fetch each release it names, keep it in landing, parse it, load it raw.

A bad release is rejected whole: its bytes go to quarantine with the reason, the raw layer is unchanged,
and the other releases of the source (and other sources) still load. The caller decides whether a source
with rejected releases fails its Airflow task.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from ingest import raw_store
from ingest.errors import Location, ReleaseError
from ingest.fetch import HttpPolicy, NotPublished, fetch
from ingest.landing import Landing, ManifestEntry
from ingest.parsers import PARSERS
from ingest.parsers.base import check_release
from ingest.paths import IngestPaths
from ingest.quarantine import quarantine
from ingest.registry import Source

log = logging.getLogger(__name__)


@dataclass
class SourceResult:
    source_id: str
    load_id: str
    releases_new: int = 0
    releases_unchanged: int = 0
    releases_missing: int = 0
    rows_loaded: int = 0
    rejected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.rejected:
            return "rejected"
        return "loaded" if self.releases_new else "unchanged"


def _auth_headers(source: Source) -> dict[str, str]:
    """Credentials by reference only: an environment variable, or an Airflow connection's password."""
    if source.credentials is None:
        return {}
    if source.credentials.env:
        token = os.environ.get(source.credentials.env)
        if not token:
            raise ReleaseError(
                Location(source.id), f"environment variable {source.credentials.env} is not set"
            )
        return {"Authorization": f"Bearer {token}"}
    from airflow.sdk import BaseHook  # only when a source uses a connection; keeps ingest usable alone

    conn = BaseHook.get_connection(source.credentials.airflow_conn_id or "")
    return {"Authorization": f"Bearer {conn.password}"}


def _release_date(parsed: date | None, entry: ManifestEntry, source: Source, year: int, month: int) -> date:
    """The date a release became public: as the release says it, else the server's Last-Modified, else
    the day the release calendar says it appears (so a backfill of old releases does not date them all
    today), but never later than the day it was fetched."""
    if parsed:
        return parsed
    if entry.last_modified:
        return parsedate_to_datetime(entry.last_modified).date()
    fetched = datetime.fromisoformat(entry.fetched_at).date()
    return min(fetched, source.expected_release_date(year, month))


def ingest_source(
    source: Source,
    paths: IngestPaths,
    as_of: date,
    *,
    today: date | None = None,
    http: HttpPolicy | None = None,
) -> SourceResult:
    today = today or date.today()
    load_id = f"{source.id}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    result = SourceResult(source.id, load_id)
    landing = Landing(paths.landing)
    parser = PARSERS[source.format]
    headers = _auth_headers(source)
    started = datetime.now(UTC)
    with raw_store.connect(paths.raw_db) as con:
        for year, month in source.periods_to_fetch(as_of):
            location = source.location_for(year, month)
            previous = landing.latest_for(source.id, location)
            try:
                fetched = fetch(
                    location,
                    paths.data_root,
                    etag=previous.etag if previous else None,
                    last_modified=previous.last_modified if previous else None,
                    headers=headers,
                    policy=http,
                )
            except NotPublished as exc:
                log.info("%s: %s not published yet (%s)", source.id, location, exc)
                result.releases_missing += 1
                result.missing.append(location)
                continue
            if fetched.not_modified:
                assert previous is not None
                entry = previous
            else:
                assert fetched.content is not None
                entry = landing.keep(
                    source.id,
                    location,
                    fetched.content,
                    datetime.now(UTC).isoformat(),
                    fetched.etag,
                    fetched.last_modified,
                )
            if raw_store.is_loaded(con, source.id, entry.sha256):
                result.releases_unchanged += 1
                continue
            content = landing.read(entry)
            file_name = Path(location).name
            try:
                parsed = parser(content, source, file_name)
                check_release(parsed.records, source, file_name, today)
                meta = raw_store.ReleaseMeta(
                    source_id=source.id,
                    sha256=entry.sha256,
                    location=location,
                    landing_path=entry.path,
                    size_bytes=entry.size,
                    fetched_at=datetime.fromisoformat(entry.fetched_at),
                    release_date=_release_date(parsed.release_date, entry, source, year, month),
                )
                rows = raw_store.load_release(con, meta, parsed.records, load_id, datetime.now(UTC))
            except ReleaseError as exc:
                log.error("rejected release: %s", exc)
                quarantine(paths.quarantine, source.id, file_name, content, str(exc))
                result.rejected.append(str(exc))
                continue
            result.releases_new += 1
            result.rows_loaded += rows
            log.info("%s: loaded %s (%d rows)", source.id, location, rows)
        raw_store.log_load(
            con,
            load_id=load_id,
            source_id=source.id,
            started_at=started,
            finished_at=datetime.now(UTC),
            status=result.status,
            releases_new=result.releases_new,
            releases_unchanged=result.releases_unchanged,
            releases_missing=result.releases_missing,
            releases_rejected=len(result.rejected),
            rows_loaded=result.rows_loaded,
            message="; ".join(result.rejected)[:4000] or None,
        )
    return result
