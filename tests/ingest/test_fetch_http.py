"""Fetching over HTTP from a local fault-injecting server on 127.0.0.1.

The server serves the bundled sample releases and, per path, plays a script of faults before answering
normally: 500s, a stall past the client's timeout, a body shorter than its Content-Length, 404, 403, a
redirect, a hold until the test opens a gate, a meeting point two requests must reach together. It
honours ETag / If-None-Match and Last-Modified / If-Modified-Since, and records the Host header and how
many requests were in flight at once. It binds to loopback only, answers at most MAX_REQUESTS requests,
and is shut down at the end of every test.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from ingest.errors import FetchError, TransientFetchError
from ingest.fetch import HttpPolicy, NotPublished, fetch_http
from ingest.landing import Landing
from ingest.locations import HostAllowlist
from ingest.paths import IngestPaths
from ingest.pipeline import FetchResult, fetch_source, ingest_source, load_source
from ingest.registry import Source
from samples.generate import stats_report_xlsx
from tests.ingest.conftest import SAMPLES, csv_source, make_source

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
    hosts: list[str] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)  # set when a request waits at the gate
    pairs: threading.Barrier = field(default_factory=lambda: threading.Barrier(2, timeout=5))
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, path: str, *actions: str) -> None:
        self.faults[path].extend(actions)

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha256(self.files[path]).hexdigest()[:16] + self.etag_suffix + '"'

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def count_after_timeouts(self, path: str, expected: int) -> int:
        """The requests to path once the server has read them: a client that timed out may leave before
        the server's thread, on a busy machine, has read its request line (seen: 1 of 2 under load 7)."""
        deadline = time.monotonic() + 5
        while self.count(path) < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # one more request, if the client made one too many, would arrive by now
        return self.count(path)

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
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                self._get()
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _get(self) -> None:
            state.hosts.append(self.headers.get("Host", ""))
            if len(state.requests) >= MAX_REQUESTS:
                self._send(503, b"request budget of the test server used up")
                return
            action = state.faults[self.path].popleft() if state.faults[self.path] else "ok"
            if action.startswith("redirect:"):
                self._send(302, b"", {"Location": action.removeprefix("redirect:")})
                return
            if action == "hold":  # answer only when the test opens the gate
                state.held.set()
                state.gate.wait(timeout=10)
            if action == "pair":  # answer only when a second request arrives at the same time
                try:
                    state.pairs.wait()
                except threading.BrokenBarrierError:
                    self._send(500, b"requests arrived one at a time")
                    return
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


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    """The server with two bundled sample releases, stopped on exit (test_trust_http.py uses it too)."""
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


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as state:
        yield state


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
        fetch_http(
            server.url(PATH),
            policy=HttpPolicy(timeout_s=0.3, attempts=2, backoff_initial_s=0.01),
            allowlist=LOOPBACK,
        )
    assert server.count_after_timeouts(PATH, 2) == 2


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


def _monthly_files(server: FaultServer, months: range) -> None:
    for month in months:
        server.files[f"/stats/2024/tjyb_2024{month:02d}.xlsx"] = stats_report_xlsx(2024, month, seed=month)


def test_downloads_of_one_source_run_side_by_side_within_the_bound_per_host(
    server: FaultServer, ingest_paths: IngestPaths
) -> None:
    _monthly_files(server, range(2, 6))
    for month in range(2, 6):
        server.fail(f"/stats/2024/tjyb_2024{month:02d}.xlsx", "pair")  # each waits for a second one
    policy = HttpPolicy(timeout_s=10, attempts=1, max_per_host=2)
    fetched = fetch_source(
        _http_source(server), ingest_paths, date(2024, 5, 1), http=policy, allowlist=LOOPBACK
    )
    assert (len(fetched.landed), fetched.refused) == (4, [])  # one at a time would have broken the pairs
    assert server.max_in_flight == 2


def test_a_slow_source_does_not_delay_the_loads_of_the_others(
    server: FaultServer, ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    """The DAG's shape: fetches run side by side outside the DuckDB slot, loads take the slot in turn."""
    slow = _http_source(server).model_copy(update={"id": "stats_slow"})
    server.fail("/stats/2024/tjyb_202402.xlsx", "hold")
    other = make_source(id="stats_other")
    for month in (2, 3):
        path = ingest_paths.data_root / f"stats/2024/tjyb_2024{month:02d}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(report_xlsx(period=f"1-{month}月"))
    events: list[str] = []
    policy = HttpPolicy(timeout_s=15, attempts=1)
    as_of, today = date(2024, 3, 1), date(2024, 10, 20)

    def fetch_slow() -> FetchResult:
        fetched = fetch_source(slow, ingest_paths, as_of, http=policy, allowlist=LOOPBACK)
        events.append("slow fetched")
        return fetched

    with ThreadPoolExecutor(1) as pool:
        slow_fetch = pool.submit(fetch_slow)
        assert server.held.wait(timeout=10)  # the slow bureau is now sitting on a request
        events.append("slow fetching")
        loaded = load_source(other, ingest_paths, fetch_source(other, ingest_paths, as_of), today=today)
        events.append(f"other {loaded.status}")
        assert not slow_fetch.done()
        server.gate.set()
        slow_loaded = load_source(slow, ingest_paths, slow_fetch.result(), today=today)
        events.append(f"slow {slow_loaded.status}")
    assert events == ["slow fetching", "other loaded", "slow fetched", "slow loaded"]
    assert _releases(ingest_paths) == 4


def test_a_transient_failure_fails_the_fetch_after_the_rest_has_landed(
    server: FaultServer, ingest_paths: IngestPaths
) -> None:
    server.fail("/stats/2024/tjyb_202403.xlsx", *["500"] * 4)
    with pytest.raises(TransientFetchError, match="HTTP 500"):
        fetch_source(_http_source(server), ingest_paths, date(2024, 3, 1), http=FAST, allowlist=LOOPBACK)
    landed = Landing(ingest_paths.landing).entries("stats_test")
    assert [e.location.rsplit("/", 1)[1] for e in landed] == ["tjyb_202402.xlsx"]  # a retry refetches little


def test_last_modified_dates_a_release_without_a_date_of_its_own(
    server: FaultServer, ingest_paths: IngestPaths
) -> None:
    text = "统计期,指标,单位,累计值,累计增长(%)\n2024年1-2月,实际利用外资,亿美元,0.15,-8.2\n"
    text += "2024年1-2月,市外内资,亿元,30.0,15.1\n"
    server.files["/commerce/swj_2024.csv"] = text.encode("gbk")
    source = csv_source().model_copy(update={"location": server.base_url + "/commerce/swj_{year}.csv"})
    ingest_source(
        source, ingest_paths, date(2024, 2, 1), today=date(2024, 10, 20), http=FAST, allowlist=LOOPBACK
    )
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        assert con.execute("select release_date from releases").fetchall() == [(date(2024, 4, 15),)]
    (entry,) = Landing(ingest_paths.landing).entries(source.id)
    assert (entry.release_date, entry.release_date_source) == ("2024-04-15", "last_modified")
