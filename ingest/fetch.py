"""Fetching a release from a file under the data root or an http(s) URL on the allowlist.

HTTP uses httpx with explicit timeouts; retries with exponential backoff on timeouts, connection errors,
truncated bodies, 429 and 5xx come from tenacity. Other 4xx are final and never retried. Conditional
requests (If-None-Match / If-Modified-Since) skip an unchanged release.

Every request, redirects included, goes only to an allowlisted host over http(s), and the connection goes
only to an address that ingest.locations allows: the address is checked when the socket is opened (in
GuardedBackend), so a DNS answer that changes between a check and the connect cannot slip through. No
proxy and no ~/.netrc are read (trust_env=False): a proxy would hide the address, and netrc would add
credentials nobody configured. Messages and httpx's own request log show redacted URLs only.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpcore
import httpx
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from ingest.errors import FetchError, TransientFetchError
from ingest.locations import (
    HTTP_SCHEMES,
    HostAllowlist,
    LocationRefused,
    ReleaseTooLarge,
    Resolver,
    address_problem,
    read_confined,
    redact,
    request_problem,
    system_resolver,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB, when the source's registry entry sets no `limits.max_bytes`


class _RedactUrls(logging.Filter):
    """httpx logs every request with its full URL at INFO; the task log must not hold a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(str(a)) if isinstance(a, httpx.URL | str) and "://" in str(a) else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactUrls())


@dataclass(frozen=True)
class Fetched:
    content: bytes | None  # None: the server said 304 Not Modified
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.content is None


class NotPublished(FetchError):
    """The release does not exist (yet): a missing file or HTTP 404."""


@dataclass(frozen=True)
class HttpPolicy:
    timeout_s: float = 30.0
    attempts: int = 4
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0
    max_per_host: int = 4  # concurrent downloads from one host within one process


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, refuses forbidden addresses, and connects to the address it checked."""

    def __init__(self, allowlist: HostAllowlist, resolver: Resolver) -> None:
        self._allowlist = allowlist
        self._resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            try:
                addresses = self._resolver(host, port)
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        for address in addresses:
            if problem := address_problem(address, self._allowlist):
                raise LocationRefused(f"host {host}: {problem}")
        error: Exception = httpcore.ConnectError(f"{host} resolved to no address")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allowlist: HostAllowlist, resolver: Resolver) -> None:
        super().__init__(trust_env=False)
        # httpx.HTTPTransport takes no network backend, so its httpcore pool is rebuilt here with the same
        # TLS defaults and the guarded backend (httpx 0.28 and httpcore 1.0, pinned in uv.lock; the
        # tests in tests/ingest/test_trust_http.py fail if this stops taking effect).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=10,
            network_backend=GuardedBackend(allowlist, resolver),
        )


def fetch(
    location: str,
    data_root: Path,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    policy: HttpPolicy | None = None,
    allowlist: HostAllowlist | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    resolver: Resolver = system_resolver,
) -> Fetched:
    if location.startswith(tuple(f"{s}://" for s in HTTP_SCHEMES)):
        return fetch_http(
            location,
            etag=etag,
            last_modified=last_modified,
            headers=headers,
            policy=policy,
            allowlist=allowlist,
            max_bytes=max_bytes,
            resolver=resolver,
        )
    try:
        return Fetched(read_confined(location, data_root, max_bytes))
    except FileNotFoundError as exc:
        raise NotPublished(f"{location} does not exist under the data root") from exc


def fetch_http(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    policy: HttpPolicy | None = None,
    allowlist: HostAllowlist | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    resolver: Resolver = system_resolver,
) -> Fetched:
    policy = policy or HttpPolicy()
    allowlist = allowlist if allowlist is not None else HostAllowlist.from_env()
    shown = redact(url)
    request_headers = dict(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified

    def check_request(request: httpx.Request) -> None:
        if problem := request_problem(str(request.url), allowlist):
            raise LocationRefused(problem)

    @retry(
        retry=retry_if_exception_type(TransientFetchError),
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential(multiplier=policy.backoff_initial_s, max=policy.backoff_max_s),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    def _once() -> Fetched:
        client = httpx.Client(
            timeout=policy.timeout_s,
            follow_redirects=True,
            max_redirects=5,
            trust_env=False,
            transport=GuardedTransport(allowlist, resolver),
            event_hooks={"request": [check_request]},
        )
        try:
            with client, client.stream("GET", url, headers=request_headers) as response:
                status = response.status_code
                if status == 304:
                    return Fetched(None, etag, last_modified)
                if status == 429 or status >= 500:
                    raise TransientFetchError(f"{shown}: HTTP {status}")
                if status == 404:
                    raise NotPublished(f"{shown}: HTTP 404")
                if status >= 400:
                    raise FetchError(f"{shown}: HTTP {status} (not retried)")
                body = _read_body(response, shown, max_bytes)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            # TransportError covers resets and a body shorter than its Content-Length
            raise TransientFetchError(f"{shown}: {type(exc).__name__}: {exc}") from exc
        return Fetched(body, response.headers.get("ETag"), response.headers.get("Last-Modified"))

    return _once()


def _read_body(response: httpx.Response, shown: str, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ReleaseTooLarge(f"{shown}: Content-Length {declared} is over the limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise ReleaseTooLarge(f"{shown}: body over the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
