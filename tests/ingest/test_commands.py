"""`planwatch sources load|reprocess|withdraw|add|check` as a data engineer runs them: real processes, a
private home and state, one clear line and an exit code when something is wrong."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import yaml

from tests.conftest import BIN, SAMPLES, Project

COMMERCE = "commerce_foreign_investment"


def planwatch(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "planwatch"), *args], env=project.env(), capture_output=True, text=True, timeout=300
    )


def test_sources_load_shows_what_it_loaded_and_what_no_target_reads(project: Project) -> None:
    run = planwatch(project, "sources", "load", "stats_monthly_report", "--as-of", "2024-03")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "stats_monthly_report: loaded; 35 new releases" in out
    assert "industrial_value_added" in out and "ytd_value" in out and "2024 01..02 - 01..03" in out
    assert "loaded, used by no target: industrial_investment ytd_value" in out
    again = planwatch(project, "sources", "load", "stats_monthly_report", "--as-of", "2024-03")
    assert "0 new releases, 35 unchanged" in again.stdout


def test_sources_load_of_an_unknown_source_is_one_line(project: Project) -> None:
    run = planwatch(project, "sources", "load", "no_such_source")
    assert run.returncode != 0 and "no source 'no_such_source'" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_withdraw_and_reprocess_from_the_command_line(project: Project) -> None:
    assert planwatch(project, "sources", "load", COMMERCE, "--as-of", "2024-03").returncode == 0
    raw = project.state / "warehouse" / "raw.duckdb"
    with duckdb.connect(str(raw), read_only=True) as con:
        sha = con.execute("select sha256 from releases where location like '%2024%'").fetchall()[0][0]
    out = planwatch(project, "sources", "withdraw", COMMERCE, "--release", sha[:12], "--reason", "重报")
    assert out.returncode == 0 and "withdrawn" in out.stdout, out.stderr
    again = planwatch(project, "sources", "withdraw", COMMERCE, "--release", sha[:12])
    assert again.returncode != 0 and "already withdrawn" in again.stderr and "Traceback" not in again.stderr
    entry = project.home / "config" / "sources" / f"{COMMERCE}.yml"
    data = yaml.safe_load(entry.read_text(encoding="utf-8"))
    data["indicators"][1]["code"] = "fdi_actual"  # a wrong mapping ...
    data["indicators"][0]["code"] = "domestic_capital_external"
    entry.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    run = planwatch(project, "sources", "reprocess", COMMERCE)
    assert run.returncode == 0, run.stderr
    assert "1 releases re-parsed under the current entry" in run.stdout  # the withdrawn one stays withdrawn
    with duckdb.connect(str(raw), read_only=True) as con:
        rows = con.execute(
            "select distinct indicator_code, unit_raw from observations where measure = 'ytd_value' order by 1"
        ).fetchall()
    assert rows == [("domestic_capital_external", "亿美元"), ("fdi_actual", "亿元")]


def test_sources_check_names_a_typo_in_a_location(project: Project) -> None:
    entry = project.home / "config" / "sources" / f"{COMMERCE}.yml"
    entry.write_text(
        entry.read_text(encoding="utf-8").replace("swj_{year}.csv", "swj_{year}{qtr}.csv"), encoding="utf-8"
    )
    run = planwatch(project, "sources", "check")
    assert run.returncode == 1
    assert f"{COMMERCE}: field location: unknown placeholder {{qtr}}" in run.stderr


def test_sources_add_previews_and_saves(project: Project, tmp_path: Path) -> None:
    sample = tmp_path / "parks" / "yq_202406.csv"
    sample.parent.mkdir()
    sample.write_bytes((SAMPLES / "ecology" / "2024" / "hbj_202406.csv").read_bytes())
    run = planwatch(project, "sources", "add", "--sample", str(sample), "--save")
    assert run.returncode == 0, run.stderr + run.stdout
    assert "what loading the sample with this entry would write:" in run.stdout
    assert "air_quality_good_rate" in run.stdout and "rate_pct" in run.stdout
    saved = project.home / "config" / "sources" / "yq.yml"
    assert saved.is_file() and yaml.safe_load(saved.read_text(encoding="utf-8"))["format"] == "csv_table"
    twice = planwatch(project, "sources", "add", "--sample", str(sample), "--save")
    assert twice.returncode != 0 and "exists" in twice.stderr
