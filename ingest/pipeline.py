"""One source in two stages: fetch (no DuckDB) and load (the only part that holds the DuckDB slot).

fetch_source downloads every release the source names, concurrently with a bound per host and the retry
policy of fetch.py, keeps each in landing, and returns typed records of what landed (FetchResult, which
round-trips through JSON for XCom). load_source parses each landed release that raw does not hold yet, in
a contained worker process (sandbox.py), and loads it into raw DuckDB. ingest_source is both, in order.

A bad release is rejected whole: its landed bytes go to quarantine with the reason, the raw layer is
unchanged, and the other releases of the source (and other sources) still load. A location the rules
refuse is rejected the same way, without its bytes ever being read. The caller decides whether a source
with rejected releases fails its Airflow task. A configuration error (a template that cannot be filled,
a location outside the rules, a missing credential) raises RegistryError before anything is fetched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import duckdb
from pydantic import BaseModel

from core.errors import one_line
from ingest import raw_store
from ingest.errors import FetchError, RegistryError, ReleaseError, TransientFetchError
from ingest.fetch import DEFAULT_MAX_BYTES, HttpPolicy, NotPublished, fetch
from ingest.formats import FORMATS
from ingest.formats.base import ReleaseContext
from ingest.formats.engine import ParsedRelease, parse_release
from ingest.landing import Landing, ManifestEntry, delivery_date
from ingest.locations import (
    HostAllowlist,
    LocationRefused,
    Resolver,
    check_location,
    display_name,
    expand_location,
    is_pattern,
    redact,
    render_location,
    system_resolver,
)
from ingest.paths import IngestPaths, sweep_stale_temp
from ingest.quarantine import safe_reason
from ingest.registry import Source
from ingest.rejection import answered_before, reject
from ingest.sandbox import ParseSandbox, SandboxLimits
from ingest.threads import release_threads

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


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
    # rejected releases of a format that answers its sender (bureau progress returns): quarantined with a
    # reply the sender acts on; the sender's to fix, not the operator's, so they do not fail the source
    answered: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.rejected:
            return "rejected"
        return "loaded" if self.releases_new else "unchanged"


class LandedRelease(BaseModel):
    """One release of the source as it sits in landing after the fetch (new or unchanged)."""

    year: int
    month: int
    location: str  # redacted
    file_name: str
    entry: ManifestEntry


class FetchResult(BaseModel):
    """What the fetch stage hands the load stage; `model_dump(mode="json")` is its XCom form."""

    source_id: str
    started_at: datetime
    finished_at: datetime
    landed: list[LandedRelease]
    missing: list[str]  # locations not published yet (redacted)
    refused: list[str]  # one line per release that could not be fetched and will not be by a retry


def _auth_headers(source: Source) -> dict[str, str]:
    """Credentials by reference only: an environment variable, or an Airflow connection's password."""
    if source.credentials is None:
        return {}
    if source.credentials.env:
        token = os.environ.get(source.credentials.env)
        if not token:
            raise RegistryError(
                f"source {source.id}: field credentials.env: environment variable "
                f"{source.credentials.env} is not set"
            )
        return {"Authorization": f"Bearer {token}"}
    from airflow.sdk import BaseHook  # only when a source uses a connection; keeps ingest usable alone

    conn = BaseHook.get_connection(source.credentials.airflow_conn_id or "")
    if not conn.password:
        raise RegistryError(
            f"source {source.id}: field credentials.airflow_conn_id: connection "
            f"{source.credentials.airflow_conn_id} has no password"
        )
    return {"Authorization": f"Bearer {conn.password}"}


def max_bytes_for(source: Source) -> int:
    """The source's size limit: its registry `limits.max_bytes` when the entry has one."""
    limits = getattr(source, "limits", None)
    value = getattr(limits, "max_bytes", None)
    return int(value) if value else DEFAULT_MAX_BYTES


_HOST_SLOTS: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_HOST_SLOTS_LOCK = threading.Lock()


def _host_slot(location: str, bound: int) -> threading.BoundedSemaphore:
    """At most `bound` downloads from one host at a time in this process, across sources."""
    host = (urlsplit(location).hostname or "") if "://" in location else "(data root)"
    with _HOST_SLOTS_LOCK:
        return _HOST_SLOTS.setdefault((host, bound), threading.BoundedSemaphore(bound))


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Fetcher:
    """What fetching one release of a source needs; `one` runs in the fetch threads."""

    source: Source
    paths: IngestPaths
    http: HttpPolicy
    allowlist: HostAllowlist
    resolver: Resolver
    clock: Clock
    headers: dict[str, str]
    # one per source's fetch, shared by its threads: its index of the manifest is then read once, not
    # once per release (a nothing-new night read a 400-line manifest 201 times: 1.6 s)
    landing: Landing

    def one(self, year: int, month: int, location: str) -> LandedRelease:
        landing = self.landing
        previous = landing.latest_for(self.source.id, location)
        with _host_slot(location, self.http.max_per_host):
            got = fetch(
                location,
                self.paths.data_root,
                etag=previous.etag if previous else None,
                last_modified=previous.last_modified if previous else None,
                headers=self.headers,
                policy=self.http,
                allowlist=self.allowlist,
                max_bytes=max_bytes_for(self.source),
                resolver=self.resolver,
            )
        if got.content is not None:
            entry = landing.keep(
                self.source.id, location, got.content, self.clock(), got.etag, got.last_modified
            )
        elif previous is not None:
            entry = previous  # 304 Not Modified: the delivery we already hold, with its date
        else:
            raise FetchError(f"{redact(location)}: HTTP 304 to a request that named no earlier delivery")
        name = display_name(entry.location)
        return LandedRelease(year=year, month=month, location=entry.location, file_name=name, entry=entry)


def fetch_source(
    source: Source,
    paths: IngestPaths,
    as_of: date,
    *,
    http: HttpPolicy | None = None,
    allowlist: HostAllowlist | None = None,
    resolver: Resolver = system_resolver,
    clock: Clock = _utcnow,
) -> FetchResult:
    """Download and land every release the source names up to as_of. Needs no DuckDB.

    Raises RegistryError for configuration, and TransientFetchError (after every other release has
    landed) when a release still failed after the retry policy: the task can then be retried.
    """
    started = clock()
    http = http or HttpPolicy()
    allowlist = allowlist if allowlist is not None else HostAllowlist.from_env()
    for root in (paths.landing, paths.quarantine):
        for stale in sweep_stale_temp(root):
            log.warning("removed a temp file left by an interrupted run: %s", stale)
    problems = check_location(source, paths.data_root, allowlist, resolver=None)
    if problems:
        raise RegistryError("; ".join(problems))
    wanted, missing = _wanted(source, paths, as_of)
    fetcher = _Fetcher(
        source, paths, http, allowlist, resolver, clock, _auth_headers(source), Landing(paths.landing)
    )
    landed: list[LandedRelease] = []
    refused: list[str] = []
    transient: list[TransientFetchError] = []
    with ThreadPoolExecutor(max_workers=http.max_per_host, thread_name_prefix=f"fetch-{source.id}") as pool:
        futures = [(loc, pool.submit(fetcher.one, y, m, loc)) for y, m, loc in wanted]
        for location, future in futures:
            shown = redact(location)
            try:
                landed.append(future.result())
            except NotPublished as exc:
                log.info("%s: %s not published yet (%s)", source.id, shown, exc)
                missing.append(shown)
            except TransientFetchError as exc:
                transient.append(exc)
            except FetchError as exc:
                reason = safe_reason(f"[source={source.id}, file={display_name(shown)}] {one_line(exc)}")
                log.error("refused release: %s", reason)
                refused.append(reason)
    if transient:
        raise transient[0]
    return FetchResult(
        source_id=source.id,
        started_at=started,
        finished_at=clock(),
        landed=landed,
        missing=missing,
        refused=refused,
    )


def _wanted(source: Source, paths: IngestPaths, as_of: date) -> tuple[list[tuple[int, int, str]], list[str]]:
    """Every (year, month, location) to fetch, a drop folder's pattern expanded to the files in it now;
    and the drop folders that hold no file yet (not published)."""
    wanted: list[tuple[int, int, str]] = []
    empty: list[str] = []
    for year, month in source.periods_to_fetch(as_of):
        location = render_location(source, year, month)
        if not is_pattern(location):
            wanted.append((year, month, location))
            continue
        try:
            found = expand_location(location, paths.data_root)
        except LocationRefused as exc:
            raise RegistryError(f"source {source.id}: field location: {exc}") from exc
        wanted += [(year, month, f) for f in found]
        if not found:
            empty.append(location)
    return wanted, empty


def _release_date(parsed: ParsedRelease, entry: ManifestEntry, landing: Landing) -> date:
    """As the release says it; else as the manifest dated this delivery (Last-Modified or fetch day)."""
    if parsed.release_date:
        landing.record_content_date(entry, parsed.release_date)
        return parsed.release_date
    if entry.release_date:
        return date.fromisoformat(entry.release_date)
    return delivery_date(datetime.fromisoformat(entry.fetched_at), entry.last_modified)[0]


def _load_release(
    con: duckdb.DuckDBPyConnection,
    sandbox: ParseSandbox,
    landing: Landing,
    source: Source,
    release: LandedRelease,
    load_id: str,
    today: date,
) -> int:
    """Parse one landed release in the sandbox, check it and load it, in one transaction.

    The parse's helper tables are created inside the load's transaction: a small release runs about
    thirty statements, and each one outside a transaction paid for a commit of its own."""
    entry = release.entry
    context = ReleaseContext(release.file_name, release.year, release.month, today)
    with release_threads(con, entry.size):  # a small file: one DuckDB thread (ingest.threads)
        con.execute("begin transaction")
        try:
            parsed = parse_release(con, landing.path_of(entry), source, context, sandbox=sandbox)
            try:
                meta = raw_store.ReleaseMeta(
                    source_id=source.id, sha256=entry.sha256, location=entry.location,
                    landing_path=entry.path, size_bytes=entry.size,
                    fetched_at=datetime.fromisoformat(entry.fetched_at),
                    release_date=_release_date(parsed, entry, landing),
                )  # fmt: skip
            except BaseException:
                parsed.close(con)
                raise
            loaded = raw_store.load_release(
                con, meta, parsed, load_id, datetime.now(UTC), own_transaction=False
            )
            con.execute("commit")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
            raise
    return loaded


def load_source(
    source: Source,
    paths: IngestPaths,
    fetched: FetchResult,
    *,
    today: date | None = None,
    limits: SandboxLimits | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    sandbox: ParseSandbox | None = None,
) -> SourceResult:
    """Parse and load what the fetch stage landed; the only stage that opens the raw DuckDB file.

    A caller loading many sources passes its raw connection and parse worker (the nightly step: opening
    the raw file and its schema cost about 50 ms a source); otherwise they are opened and closed here."""
    today = today or date.today()
    load_id = f"{source.id}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    result = SourceResult(source.id, load_id, releases_missing=len(fetched.missing))
    result.missing = list(fetched.missing)
    result.rejected = list(fetched.refused)
    landing = Landing(paths.landing)
    started = datetime.now(UTC)
    with contextlib.ExitStack() as opened:
        if con is None:
            con = opened.enter_context(raw_store.connect(paths.raw_db))
        if sandbox is None:
            sandbox = opened.enter_context(ParseSandbox(limits))
        raw_store.record_source(con, source, redact(source.location))
        loaded = raw_store.loaded_shas(con, source.id)
        for release in fetched.landed:
            entry = release.entry
            if entry.sha256 in loaded or answered_before(paths, source, entry.sha256):
                result.releases_unchanged += 1
                continue
            try:
                rows = _load_release(con, sandbox, landing, source, release, load_id, today)
            except ReleaseError as exc:
                reason = reject(
                    paths, landing.path_of(entry), sandbox, source, release.file_name, entry.sha256, exc
                )
                (result.answered if FORMATS[source.format].reply else result.rejected).append(reason)
                continue
            loaded.add(entry.sha256)
            result.releases_new += 1
            result.rows_loaded += rows
            log.info("%s: loaded %s (%d rows)", source.id, release.location, rows)
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
            releases_rejected=len(result.rejected) + len(result.answered),
            rows_loaded=result.rows_loaded,
            message="; ".join(result.rejected + result.answered)[:4000] or None,
        )
    return result


def ingest_source(
    source: Source,
    paths: IngestPaths,
    as_of: date,
    *,
    today: date | None = None,
    http: HttpPolicy | None = None,
    allowlist: HostAllowlist | None = None,
    resolver: Resolver = system_resolver,
    limits: SandboxLimits | None = None,
    clock: Clock = _utcnow,
) -> SourceResult:
    """Fetch, then load: for callers that want both in one step (the CLI, tests)."""
    fetched = fetch_source(
        source, paths, as_of, http=http, allowlist=allowlist, resolver=resolver, clock=clock
    )
    return load_source(source, paths, fetched, today=today, limits=limits)
