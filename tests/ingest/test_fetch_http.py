"""Fetching over HTTP from a local fault-injecting server on 127.0.0.1.

The server serves the bundled sample releases and, per path, plays a script of faults before answering
normally: 500s, a stall past the client's timeout, a body shorter than its Content-Length, 404, 403. It
honours ETag / If-None-Match and Last-Modified / If-Modified-Since. It binds to loopback only, answers at
most MAX_REQUESTS requests, and is shut down at the end of every test.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from ingest.errors import FetchError, TransientFetchError
from ingest.fetch import HttpPolicy, NotPublished, fetch_http
from ingest.locations import HostAllowlist
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import Source
from samples.generate import stats_report_xlsx
from tests.ingest.conftest import SAMPLES, make_source

MAX_REQUESTS = 60
STALL_S = 1.0
FAST = HttpPolicy(timeout_s=0.3, attempts=4, backoff_initial_s=0.01, backoff_max_s=0.02)
LOOPBACK = HostAllowlist.parse("127.0.0.1")  # the test server's host, named so loopback is allowed
LAST_MODIFIED = "Mon, 15 Apr 2024 08:00:00 GMT"


@dataclass
class FaultServer:
    files: dict[str, bytes]
    faults: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    requests: list[tuple[str, int]] = field(default_factory=list)
    etag_suffix: str = ""
    base_url: str = ""

    def fail(self, path: str, *actions: str) -> None:
        self.faults[path].extend(actions)

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha256(self.files[path]).hexdigest()[:16] + self.etag_suffix + '"'

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def url(self, path: str) -> str:
        return self.base_url + path


def _handler(state: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep pytest output quiet
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            state.requests.append((self.path, status))
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if "Content-Length" not in (headers or {}):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if len(state.requests) >= MAX_REQUESTS:
                self._send(503, b"request budget of the test server used up")
                return
            action = state.faults[self.path].popleft() if state.faults[self.path] else "ok"
            if action == "timeout":
                state.requests.append((self.path, 0))
                time.sleep(STALL_S)  # longer than the client's timeout
                return
            if action in {"500", "503", "429", "403", "404"}:
                self._send(int(action), b"fault injected")
                return
            body = state.files.get(self.path)
            if body is None:
                self._send(404, b"not found")
                return
            if action == "truncate":
                self._send(200, body[: len(body) // 2], {"Content-Length": str(len(body))})
                self.close_connection = True
                return
            etag = state.etag(self.path)
            if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match")
                and self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self._send(304, b"", {"ETag": etag, "Content-Length": "0"})
                return
            self._send(200, body, {"ETag": etag, "Last-Modified": LAST_MODIFIED})

    return Handler


@pytest.fixture
def server() -> Iterator[FaultServer]:
    files = {
        "/stats/2024/tjyb_202402.xlsx": (SAMPLES / "stats/2024/tjyb_202402.xlsx").read_bytes(),
        "/stats/2024/tjyb_202403.xlsx": (SAMPLES / "stats/2024/tjyb_202403.xlsx").read_bytes(),
    }
    state = FaultServer(files)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    httpd.block_on_close = False
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


PATH = "/stats/2024/tjyb_202402.xlsx"


def test_plain_fetch_returns_body_and_validators(server: FaultServer) -> None:
    got = fetch_http(server.url(PATH), policy=FAST, allowlist=LOOPBACK)
    assert got.content == server.files[PATH]
    assert got.etag == server.etag(PATH) and got.last_modified == LAST_MODIFIED


def test_500s_are_retried_with_backoff_until_success(server: FaultServer) -> None:
    server.fail(PATH, "500", "503", "429")
    got = fetch_http(server.url(PATH), policy=FAST, allowlist=LOOPBACK)
    assert got.content == server.files[PATH]
    assert [s for _, s in server.requests] == [500, 503, 429, 200]


def test_persistent_500s_give_up_after_the_policy_attempts(server: FaultServer) -> None:
    server.fail(PATH, *["500"] * 10)
    with pytest.raises(TransientFetchError, match="HTTP 500"):
        fetch_http(server.url(PATH), policy=FAST, allowlist=LOOPBACK)
    assert server.count(PATH) == FAST.attempts


def test_a_timeout_is_retried(server: FaultServer) -> None:
    server.fail(PATH, "timeout")
    started = time.monotonic()
    got = fetch_http(server.url(PATH), policy=FAST, allowlist=LOOPBACK)
    assert got.content == server.files[PATH]
    assert server.count(PATH) == 2
    assert time.monotonic() - started < STALL_S + 1.5


def test_timeouts_every_time_fail_as_transient(server: FaultServer) -> None:
    server.fail(PATH, "timeout", "timeout")
    with pytest.raises(TransientFetchError, match="Timeout"):
        fetch_http(server.url(PATH), policy=HttpPolicy(timeout_s=0.3, attempts=2, backoff_initial_s=0.01), allowlist=LOOPBACK)
    assert server.count(PATH) == 2


def test_a_truncated_body_is_retried_never_returned(server: FaultServer) -> None:
    server.fail(PATH, "truncate")
    got = fetch_http(server.url(PATH), policy=FAST, allowlist=LOOPBACK)
    assert got.content == server.files[PATH]  # the whole file, not the half
    assert server.count(PATH) == 2


def test_404_is_not_published_and_not_retried(server: FaultServer) -> None:
    with pytest.raises(NotPublished):
        fetch_http(server.url("/stats/2024/tjyb_202410.xlsx"), policy=FAST, allowlist=LOOPBACK)
    assert server.count("/stats/2024/tjyb_202410.xlsx") == 1


def test_403_fails_without_retry(server: FaultServer) -> None:
    server.fail(PATH, "403")
    with pytest.raises(FetchError, match="HTTP 403") as err:
        fetch_http(server.url(PATH), policy=FAST, allowlist=LOOPBACK)
    assert not isinstance(err.value, TransientFetchError)
    assert server.count(PATH) == 1


def test_etag_gives_304_and_no_body(server: FaultServer) -> None:
    got = fetch_http(server.url(PATH), etag=server.etag(PATH), policy=FAST, allowlist=LOOPBACK)
    assert got.not_modified and got.etag == server.etag(PATH)
    assert server.requests == [(PATH, 304)]


def test_last_modified_alone_gives_304(server: FaultServer) -> None:
    got = fetch_http(server.url(PATH), last_modified=LAST_MODIFIED, policy=FAST, allowlist=LOOPBACK)
    assert got.not_modified


def _http_source(server: FaultServer) -> Source:
    return make_source(location=server.base_url + "/stats/{year}/tjyb_{year}{month:02d}.xlsx")


def _releases(paths: IngestPaths) -> int:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        row = con.execute("select count(*) from releases").fetchone()
    return int(row[0]) if row else 0


def test_pipeline_over_http_uses_conditional_requests(server: FaultServer, ingest_paths: IngestPaths) -> None:
    source = _http_source(server)
    as_of, today = date(2024, 4, 1), date(2024, 10, 20)
    server.fail("/stats/2024/tjyb_202403.xlsx", "500", "truncate")
    first = ingest_source(source, ingest_paths, as_of, today=today, http=FAST, allowlist=LOOPBACK)
    assert (first.releases_new, first.releases_missing, first.status) == (2, 1, "loaded")  # 202404 is a 404

    server.requests.clear()
    second = ingest_source(source, ingest_paths, as_of, today=today, http=FAST, allowlist=LOOPBACK)
    assert (second.releases_new, second.releases_unchanged) == (0, 2)
    assert sorted(s for _, s in server.requests) == [304, 304, 404]  # nothing refetched
    assert _releases(ingest_paths) == 2

    # the bureau re-publishes March with a changed ETag and a revised body: fetched again, a new vintage
    server.files["/stats/2024/tjyb_202403.xlsx"] = stats_report_xlsx(2024, 3, seed=7)  # new bytes, new ETag
    server.requests.clear()
    third = ingest_source(source, ingest_paths, as_of, today=today, http=FAST, allowlist=LOOPBACK)
    assert ("/stats/2024/tjyb_202403.xlsx", 200) in server.requests
    assert third.releases_new == 1
    assert _releases(ingest_paths) == 3
    assert len(server.requests) <= 3
