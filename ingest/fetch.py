"""Fetching a release from a file path or an http(s) URL.

HTTP uses httpx with explicit timeouts; retries with exponential backoff on timeouts, connection errors,
truncated bodies, 429 and 5xx come from tenacity. Other 4xx are final and never retried. Conditional
requests (If-None-Match / If-Modified-Since) skip an unchanged release.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import httpx
from tenacity import (
    before_sleep_log,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from ingest.errors import FetchError, TransientFetchError

log = logging.getLogger(__name__)


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


def fetch(
    location: str,
    data_root: Path,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    policy: HttpPolicy | None = None,
) -> Fetched:
    if location.startswith(("http://", "https://")):
        return fetch_http(location, etag=etag, last_modified=last_modified, headers=headers, policy=policy)
    path = Path(location) if Path(location).is_absolute() else data_root / location
    if not path.is_file():
        raise NotPublished(f"{path} does not exist")
    return Fetched(path.read_bytes())


def fetch_http(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    policy: HttpPolicy | None = None,
) -> Fetched:
    policy = policy or HttpPolicy()
    request_headers = dict(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified

    @retry(
        retry=retry_if_exception_type(TransientFetchError),
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential(multiplier=policy.backoff_initial_s, max=policy.backoff_max_s),
        before_sleep=before_sleep_log(log, logging.WARNING),
        reraise=True,
    )
    def _once() -> Fetched:
        try:
            with httpx.Client(timeout=policy.timeout_s, follow_redirects=True) as client:
                response = client.get(url, headers=request_headers)
                body = response.read()
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            # TransportError covers resets and a body shorter than its Content-Length
            raise TransientFetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code == 304:
            return Fetched(None, etag, last_modified)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientFetchError(f"{url}: HTTP {response.status_code}")
        if response.status_code == 404:
            raise NotPublished(f"{url}: HTTP 404")
        if response.status_code >= 400:
            raise FetchError(f"{url}: HTTP {response.status_code} (not retried)")
        return Fetched(body, response.headers.get("ETag"), response.headers.get("Last-Modified"))

    return _once()
