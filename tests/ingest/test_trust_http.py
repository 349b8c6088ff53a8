"""Trust over HTTP: only allowlisted hosts, only allowed addresses, no secret in any message or log.

Runs against the fault-injecting server of test_fetch_http.py on 127.0.0.1. Names that must resolve to
a given address (a bureau name that DNS points at loopback or at the metadata service) come from a fixed
table given as the resolver, so the cases run offline; the connection then goes to the address that was
checked, which the Host header the server saw proves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from ingest.errors import FetchError, TransientFetchError
from ingest.fetch import HttpPolicy, NotPublished, fetch, fetch_http
from ingest.locations import HostAllowlist, LocationRefused, ReleaseTooLarge
from tests.ingest.test_fetch_http import PATH, FaultServer, fault_server

FAST = HttpPolicy(timeout_s=0.3, attempts=3, backoff_initial_s=0.01, backoff_max_s=0.02)
SECRET = "s3cr3t-t0ken-value"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as state:
        yield state


def table(answers: dict[str, str]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError(f"unknown host {host}")
        return [answers[host]]

    return resolve


def _port(server: FaultServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def test_a_host_off_the_allowlist_is_never_contacted(server: FaultServer) -> None:
    with pytest.raises(LocationRefused, match="not on the allowlist") as err:
        fetch_http(server.url(PATH), policy=FAST, allowlist=HostAllowlist.parse("tjj.example.gov.cn"))
    assert server.requests == [] and not isinstance(err.value, TransientFetchError)


def test_a_bureau_name_resolving_to_loopback_is_refused_unless_loopback_is_named(server: FaultServer) -> None:
    url = f"http://tjj.example.gov.cn:{_port(server)}{PATH}"
    resolve = table({"tjj.example.gov.cn": "127.0.0.1"})
    with pytest.raises(LocationRefused, match="127.0.0.1 is a loopback address"):
        fetch_http(url, policy=FAST, allowlist=HostAllowlist.parse("tjj.example.gov.cn"), resolver=resolve)
    assert server.requests == []

    both = HostAllowlist.parse("tjj.example.gov.cn, 127.0.0.1")
    got = fetch_http(url, policy=FAST, allowlist=both, resolver=resolve)
    assert got.content == server.files[PATH]
    assert server.hosts == [f"tjj.example.gov.cn:{_port(server)}"]  # connected to the checked address


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "169.254.7.7"]
)
def test_a_name_resolving_to_a_metadata_or_link_local_address_is_refused(address: str) -> None:
    with pytest.raises(LocationRefused, match="metadata|link-local"):
        fetch_http(
            "http://tjj.example.gov.cn/tjyb.xlsx",
            policy=FAST,
            allowlist=HostAllowlist.parse("tjj.example.gov.cn"),
            resolver=table({"tjj.example.gov.cn": address}),
        )


@pytest.mark.parametrize(
    ("target", "allow", "expected"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/", "127.0.0.1", "not on the allowlist"),
        ("http://169.254.169.254/latest/meta-data/iam/", "127.0.0.1, 169.254.169.254", "cloud metadata"),
        ("file:///etc/passwd", "127.0.0.1", "scheme 'file' is not allowed"),
    ],
)
def test_a_redirect_out_of_the_rules_is_refused_and_not_retried(
    server: FaultServer, target: str, allow: str, expected: str
) -> None:
    server.fail(PATH, f"redirect:{target}")
    with pytest.raises(LocationRefused, match=expected):
        fetch_http(server.url(PATH), policy=FAST, allowlist=HostAllowlist.parse(allow))
    assert server.requests == [(PATH, 302)]


def test_a_file_url_is_refused_by_fetch(tmp_path: object) -> None:
    with pytest.raises(LocationRefused):
        fetch("file:///etc/passwd", tmp_path)  # type: ignore[arg-type]


def test_a_body_over_the_size_limit_is_refused_once(server: FaultServer) -> None:
    size = len(server.files[PATH])
    with pytest.raises(ReleaseTooLarge, match=f"Content-Length {size} is over the limit of 1024"):
        fetch_http(server.url(PATH), policy=FAST, allowlist=HostAllowlist.parse("127.0.0.1"), max_bytes=1024)
    assert server.count(PATH) == 1


@pytest.mark.parametrize(
    ("fault", "error"), [("404", NotPublished), ("403", FetchError), ("timeout", TransientFetchError)]
)
def test_no_message_or_log_line_holds_the_token_of_a_url(
    server: FaultServer, caplog: pytest.LogCaptureFixture, fault: str, error: type[Exception]
) -> None:
    caplog.set_level(logging.DEBUG)
    query = f"?year=2024&access_token={SECRET}"
    server.fail(PATH + query, *[fault] * 3)
    url = server.url(PATH + query).replace("http://", f"http://ops:pw-{SECRET}@")
    with pytest.raises(error) as err:
        fetch_http(url, policy=FAST, allowlist=HostAllowlist.parse("127.0.0.1"))
    assert "access_token=***" in str(err.value) and "***@127.0.0.1" in str(err.value)
    assert SECRET not in str(err.value)
    assert caplog.records and SECRET not in caplog.text
