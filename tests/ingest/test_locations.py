"""The location rules that `planwatch sources check` and the pipeline share (ingest/locations.py).

Each case is a registry entry as a data engineer would write it, checked against a real data root on
disk (with real symlinks) and an allowlist; DNS answers come from a fixed table standing in for the
resolver, so the cases run offline.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.errors import FetchError, TransientFetchError
from ingest.locations import (
    HostAllowlist,
    LocationRefused,
    ReleaseTooLarge,
    check_location,
    read_confined,
    redact,
)
from tests.ingest.conftest import make_source

ALLOW = HostAllowlist.parse(
    "tjj.example.gov.cn, *.data.example.gov.cn, 169.254.169.254, fd00:ec2::254, "
    "100.100.100.200, 169.254.1.1, ::ffff:169.254.169.254"
)
DNS = {
    "tjj.example.gov.cn": ["10.20.30.40"],
    "a.data.example.gov.cn": ["127.0.0.1"],
    "b.data.example.gov.cn": ["169.254.169.254"],
    "c.data.example.gov.cn": ["fd00:ec2::254"],
}


def dns(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise OSError(f"no such host {host}")
    return DNS[host]


def problems(location: str, data_root: Path, allowlist: HostAllowlist = ALLOW) -> list[str]:
    return check_location(make_source(location=location), data_root, allowlist, resolver=dns)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("../outside/tjyb_{year}{month:02d}.xlsx", "'..' leaves the data root"),
        ("stats/../../etc/{year}.xlsx", "'..' leaves the data root"),
        ("/etc/planwatch/{year}.xlsx", "an absolute path"),
        ("file:///etc/passwd?{year}", "file:// locations are not allowed"),
        ("ftp://tjj.example.gov.cn/{year}.xlsx", "scheme 'ftp' is not allowed"),
        ("https://evil.example.com/{year}.xlsx", "host 'evil.example.com' is not on the allowlist"),
        ("https://example.gov.cn.evil.com/{year}.xlsx", "is not on the allowlist"),
        ("http://127.0.0.1:8080/{year}.xlsx", "host '127.0.0.1' is not on the allowlist"),
        ("http://169.254.169.254/latest/meta-data/{year}", "169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/{year}", "fd00:ec2::254 is a cloud metadata address"),
        ("http://100.100.100.200/latest/meta-data/{year}", "100.100.100.200 is a cloud metadata address"),
        ("http://169.254.1.1/{year}.xlsx", "169.254.1.1 is a link-local address"),
        ("http://[::ffff:169.254.169.254]/{year}", "169.254.169.254 is a cloud metadata address"),
        ("https://a.data.example.gov.cn/{year}.xlsx", "127.0.0.1 is a loopback address"),
        ("https://b.data.example.gov.cn/{year}.xlsx", "169.254.169.254 is a cloud metadata address"),
        ("https://c.data.example.gov.cn/{year}.xlsx", "fd00:ec2::254 is a cloud metadata address"),
        ("stats/{year}/tjyb_{qtr}.xlsx", "unknown placeholder {qtr}"),
        ("stats/{year}/tjyb_{month:%m}.xlsx", "cannot be filled for 2024-01"),
    ],
)
def test_a_location_outside_the_rules_is_a_problem(location: str, expected: str, tmp_path: Path) -> None:
    found = problems(location, tmp_path)
    assert len(found) >= 1 and any(expected in p for p in found), found
    assert all(p.startswith("source stats_test: field location: ") for p in found)


@pytest.mark.parametrize(
    "location",
    [
        "stats/{year}/tjyb_{year}{month:02d}.xlsx",
        "https://tjj.example.gov.cn/tjyb/{year}/{month:02d}.xlsx",  # an intranet address is fine
        "https://new.data.example.gov.cn/{year}.csv",  # does not resolve now: checked again at fetch
    ],
)
def test_a_location_inside_the_rules_passes(location: str, tmp_path: Path) -> None:
    assert problems(location, tmp_path) == []


def test_credentials_in_a_url_are_a_problem_shown_redacted(tmp_path: Path) -> None:
    found = problems(
        "https://ops:Pa55w0rd@tjj.example.gov.cn/{year}.xlsx?appKey=k3y-9f&token=s3cr3t", tmp_path
    )
    text = " | ".join(found)
    assert "credentials in the URL" in text and "secret-like query parameter appKey, token" in text
    for secret in ("Pa55w0rd", "ops:", "k3y-9f", "s3cr3t"):
        assert secret not in text


def test_a_folder_symlinked_out_of_the_data_root_is_a_problem(tmp_path: Path) -> None:
    root, outside = tmp_path / "data", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "stats").symlink_to(outside, target_is_directory=True)
    assert any("resolves outside the data root" in p for p in problems("stats/{year}/a.xlsx", root))


def test_redact_hides_userinfo_and_secret_parameters_and_keeps_the_rest() -> None:
    url = "https://u:pw@tjj.example.gov.cn/a/2024年.xlsx?year=2024&token=abc&X-Amz-Signature=f00&sig=1&q=工业"
    assert redact(url) == (
        "https://***@tjj.example.gov.cn/a/2024年.xlsx?year=2024&token=***&X-Amz-Signature=***&sig=***&q=工业"
    )
    assert redact("stats/2024/tjyb_202403.xlsx") == "stats/2024/tjyb_202403.xlsx"


def test_the_allowlist_comes_from_the_environment() -> None:
    allow = HostAllowlist.from_env({"PLANWATCH_HTTP_ALLOWLIST": " TJJ.example.gov.cn., *.data.gov.cn "})
    assert allow.allows_host("tjj.example.gov.cn") and allow.allows_host("a.b.data.gov.cn")
    assert not allow.allows_host("data.gov.cn") and not allow.allows_host("evildata.gov.cn")
    assert HostAllowlist.from_env({}).hosts == frozenset()  # no allowlist: no HTTP source at all


# reading a file location


def test_a_symlink_to_a_private_file_outside_is_refused_unread(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "stats").mkdir(parents=True)
    token = tmp_path / "token"
    token.write_text("ghp_secret_token_value\n")
    token.chmod(0o600)
    (root / "stats" / "tjyb_202403.xlsx").symlink_to(token)
    with pytest.raises(LocationRefused, match="resolves outside the data root") as err:
        read_confined("stats/tjyb_202403.xlsx", root, 1 << 20)
    assert "ghp_secret" not in str(err.value)
    assert isinstance(err.value, FetchError) and not isinstance(err.value, TransientFetchError)


def test_a_symlink_inside_the_data_root_is_followed(tmp_path: Path) -> None:
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "real.csv").write_bytes("统计期,指标\n".encode())
    (tmp_path / "latest.csv").symlink_to(tmp_path / "drop" / "real.csv")
    assert read_confined("latest.csv", tmp_path, 1 << 20) == "统计期,指标\n".encode()


def test_a_fifo_or_a_folder_is_not_a_release(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")  # opening it must not block the night
    (tmp_path / "folder.csv").mkdir()
    for name in ("pipe.csv", "folder.csv"):
        with pytest.raises(LocationRefused, match="not a regular file"):
            read_confined(name, tmp_path, 1 << 20)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "closed.csv").write_bytes(b"x")
    (tmp_path / "closed.csv").chmod(0)
    with pytest.raises(LocationRefused, match="permission denied"):
        read_confined("closed.csv", tmp_path, 1 << 20)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    (tmp_path / "big.csv").write_bytes(b"x" * 2049)
    with pytest.raises(ReleaseTooLarge, match="2049 bytes, over the limit of 2048"):
        read_confined("big.csv", tmp_path, 2048)
    assert read_confined("big.csv", tmp_path, 2049) == b"x" * 2049
