"""Trust at the pipeline: what a hostile or careless file system and registry cannot make ingest do.

Findings of the trust issue, each run through fetch_source / load_source on real files: a symlink to a
private token file is refused and never copied or echoed; files are created with the deployment's umask;
a location template with an unknown placeholder or a secret fails at once as a configuration error,
before anything is fetched; a rejection reason is one bounded, escaped line; a file that crashes its
reader is a rejection like any other bad file.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.errors import ConfigError
from ingest.errors import RegistryError
from ingest.locations import HostAllowlist
from ingest.paths import IngestPaths, deployment_umask
from ingest.pipeline import fetch_source, ingest_source
from ingest.registry import load_registry
from tests.ingest.conftest import REPO, csv_source, make_source
from tests.ingest.test_sandbox import corrupt_deflate_xlsx, far_cell_xlsx

TODAY = date(2024, 10, 20)
AS_OF = date(2024, 3, 1)
TOKEN = "ghp_0123456789abcdefSECRET"


def _all_text_under(*roots: Path) -> str:
    return "".join(
        p.read_bytes().decode("utf-8", "replace")
        for r in roots
        if r.exists()
        for p in r.rglob("*")
        if p.is_file()
    )


def test_a_symlink_to_a_private_token_file_is_refused_never_copied_or_echoed(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes], tmp_path: Path
) -> None:
    stats = ingest_paths.data_root / "stats" / "2024"
    stats.mkdir(parents=True)
    (stats / "tjyb_202402.xlsx").write_bytes(report_xlsx(period="1-2月"))
    token = tmp_path / "secrets" / "bureau_token"
    token.parent.mkdir()
    token.write_text(f"{TOKEN}\n")
    token.chmod(0o600)
    (stats / "tjyb_202403.xlsx").symlink_to(token)

    result = ingest_source(make_source(), ingest_paths, AS_OF, today=TODAY)

    assert (result.status, result.releases_new, len(result.rejected)) == ("rejected", 1, 1)
    assert "file=tjyb_202403.xlsx" in result.rejected[0] and "symlink leads out" in result.rejected[0]
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        logged = con.execute("select message from load_log").fetchone()
    assert logged is not None and "tjyb_202403.xlsx" in logged[0]
    assert TOKEN not in " ".join(result.rejected) + logged[0]
    assert TOKEN not in _all_text_under(ingest_paths.landing, ingest_paths.quarantine)
    assert len(list((ingest_paths.landing / "stats_test").glob("*.xlsx"))) == 1  # only the good release
    assert not ingest_paths.quarantine.exists() or not any(ingest_paths.quarantine.rglob("tjyb_202403*"))


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(None, 0o640, 0o750), ("077", 0o600, 0o700)])
def test_landing_and_quarantine_files_follow_the_deployment_umask(
    ingest_paths: IngestPaths,
    report_xlsx: Callable[..., bytes],
    monkeypatch: pytest.MonkeyPatch,
    umask: str | None,
    file_mode: int,
    dir_mode: int,
) -> None:
    if umask is None:
        monkeypatch.delenv("PLANWATCH_UMASK", raising=False)  # the default, 027
    else:
        monkeypatch.setenv("PLANWATCH_UMASK", umask)
    stats = ingest_paths.data_root / "stats" / "2024"
    stats.mkdir(parents=True)
    (stats / "tjyb_202402.xlsx").write_bytes(report_xlsx(period="1-2月"))
    (stats / "tjyb_202403.xlsx").write_bytes(report_xlsx(period="1-3月", iva="坏"))
    assert ingest_source(make_source(), ingest_paths, AS_OF, today=TODAY).status == "rejected"

    landing = _modes(ingest_paths.landing)
    quarantine = _modes(ingest_paths.quarantine)
    landed = {k: v for k, v in landing.items() if k.endswith(".xlsx")}
    assert len(landed) == 2 and set(landed.values()) == {file_mode & 0o444}  # kept read-only
    assert landing["stats_test/manifest.jsonl"] == file_mode
    assert {v for k, v in landing.items() if (ingest_paths.landing / k).is_dir()} == {dir_mode}
    assert {v for k, v in quarantine.items() if (ingest_paths.quarantine / k).is_file()} == {file_mode}
    assert {v for k, v in quarantine.items() if (ingest_paths.quarantine / k).is_dir()} == {dir_mode}
    assert all(not v & stat.S_IROTH for v in [*landing.values(), *quarantine.values()])


def test_a_umask_that_is_not_octal_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANWATCH_UMASK", "u=rwx")
    with pytest.raises(ConfigError, match="PLANWATCH_UMASK='u=rwx': expected an octal umask"):
        deployment_umask()


def test_an_unknown_placeholder_fails_at_once_naming_source_field_and_placeholder(
    ingest_paths: IngestPaths,
) -> None:
    source = make_source(location="stats/{year}/tjyb_{year}{qtr}.xlsx")
    with pytest.raises(RegistryError) as err:
        fetch_source(source, ingest_paths, AS_OF)
    assert str(err.value).startswith("source stats_test: field location: unknown placeholder {qtr}")
    assert isinstance(err.value, ConfigError) and not err.value.retryable
    assert not ingest_paths.landing.exists()  # nothing was fetched


def test_a_url_with_a_token_fails_at_once_and_the_token_is_never_shown(ingest_paths: IngestPaths) -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("nothing may be resolved or fetched for a refused location")

    source = make_source(location="https://tjj.example.gov.cn/tjyb_{year}{month:02d}.xlsx?token=" + TOKEN)
    with pytest.raises(RegistryError, match=r"token=\*\*\*") as err:
        fetch_source(
            source, ingest_paths, AS_OF, allowlist=HostAllowlist.parse("tjj.example.gov.cn"), resolver=no_dns
        )
    assert TOKEN not in str(err.value)
    assert not ingest_paths.landing.exists()


def test_a_missing_credential_variable_is_a_configuration_error(
    ingest_paths: IngestPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PLANWATCH_TEST_TOKEN", raising=False)
    source = make_source(credentials={"env": "PLANWATCH_TEST_TOKEN"})
    with pytest.raises(
        RegistryError, match="field credentials.env: environment variable PLANWATCH_TEST_TOKEN"
    ):
        fetch_source(source, ingest_paths, AS_OF)


def test_a_rejection_reason_is_one_short_escaped_line(ingest_paths: IngestPaths) -> None:
    # a header line that is 5,000 characters of a private file, with control characters in it
    header = "统计期,指标,单位,累计增长(%),\x1b[2J" + "root:x:0:0:root:/root:/bin/bash\x07" * 150
    text = header + "\n2024年1-2月,实际利用外资,亿美元,0.15,-8.2\n"
    path = ingest_paths.data_root / "commerce" / "swj_2024.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("utf-8"))
    result = ingest_source(csv_source(), ingest_paths, date(2024, 2, 1), today=TODAY)
    assert result.status == "rejected"
    (reason_file,) = ingest_paths.quarantine.rglob("REASON.txt")
    reason = reason_file.read_text(encoding="utf-8")
    assert reason.count("\n") == 1 and len(reason) <= 601
    assert "\x1b" not in reason and "\x07" not in reason and "累计值" in reason
    assert reason.strip() == result.rejected[0]
    assert reason.count("root:x:0:0") == 1  # one short excerpt of what the file held


def test_files_that_crash_their_reader_are_rejected_quarantined_and_logged_and_the_rest_loads(
    ingest_paths: IngestPaths, report_xlsx: Callable[..., bytes]
) -> None:
    stats = ingest_paths.data_root / "stats" / "2024"
    stats.mkdir(parents=True)
    (stats / "tjyb_202402.xlsx").write_bytes(report_xlsx(period="1-2月"))
    (stats / "tjyb_202403.xlsx").write_bytes(far_cell_xlsx())  # calamine would ask for 512 GiB
    (stats / "tjyb_202404.xlsx").write_bytes(corrupt_deflate_xlsx())

    result = ingest_source(make_source(), ingest_paths, date(2024, 4, 1), today=TODAY)

    assert (result.status, result.releases_new, len(result.rejected)) == ("rejected", 1, 2)
    assert "file=tjyb_202403.xlsx" in result.rejected[0] and "file=tjyb_202404.xlsx" in result.rejected[1]
    for name in ("tjyb_202403.xlsx", "tjyb_202404.xlsx"):
        (kept,) = ingest_paths.quarantine.rglob(name)
        assert (
            (kept.parent / "REASON.txt").read_text(encoding="utf-8").startswith("[source=stats_test, file=")
        )
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        logged = con.execute("select status, releases_new, releases_rejected from load_log").fetchall()
    assert logged == [("rejected", 1, 2)]


def test_json_nested_200000_deep_is_rejected_not_a_crash(ingest_paths: IngestPaths) -> None:
    source = load_registry(REPO / "config" / "sources")["stats_data_portal"]
    folder = ingest_paths.data_root / "stats_portal" / "2024"
    folder.mkdir(parents=True)
    (folder / "jd_202403.json").write_bytes(b'{"returndata": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    result = ingest_source(source, ingest_paths, date(2024, 3, 1), today=TODAY)
    assert result.status == "rejected"
    assert "file=jd_202403.json" in result.rejected[0]
    assert len(list(ingest_paths.quarantine.rglob("jd_202403.json"))) == 1
