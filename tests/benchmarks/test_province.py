"""The province generator: made from the real registry and catalog, and read by the real ingest.

Two months of a 1x province (90 counties) go through ingest exactly as the nightly loads them; the
whole pipeline at scale is benchmarks/bench_province.py's job (`make bench`), not this test's.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.settings import load_settings
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import check_mappings, load_registry
from samples.province.catalog import district_targets
from samples.province.figures import template
from samples.province.generate import figure_sources, make_home, months, write_releases
from samples.province.regions import COUNTIES_PER_SCALE, regions
from tests.conftest import REPO

REAL = figure_sources(load_registry(REPO / "config" / "sources"))  # bureau returns are not figures


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("province")
    made = make_home(out, 1)
    totals = write_releases(made, months("2024-01", "2024-03"), workers=1)
    return made, totals


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_real_source_becomes_a_monthly_provincial_source_in_its_own_format(province) -> None:
    made, totals = province
    sources = load_registry(made.home / "config" / "sources")
    assert set(sources) == set(REAL)
    for source_id, source in sources.items():
        real = REAL[source_id]
        assert source.format == ("csv_table" if real.format == "excel_report" else real.format), source_id
        assert [i.code for i in source.indicators] == [i.code for i in real.indicators]
        assert source.release.frequency == "monthly" and source.release.skip_months == [1]
    assert check_mappings(sources, made.home / "dbt_project" / "seeds" / "indicators.csv") == []
    # January is never published (1-2月 come together): two months of eleven sources
    assert totals["files"] == 2 * len(REAL)
    series = sum(len(template(real).series) for real in REAL.values())
    assert totals["figures"] == 2 * series * COUNTIES_PER_SCALE


def test_every_county_has_a_plan_of_the_district_targets_that_have_a_source(province) -> None:
    made, _ = province
    seeds = made.home / "dbt_project" / "seeds"
    plans = _rows(seeds / "plans.csv")
    targets = _rows(seeds / "plan_targets.csv")
    counties = regions(1)
    assert [p["region_code"] for p in plans] == [r.code for r in counties]
    district = district_targets(REPO / "dbt_project" / "seeds")
    assert len(targets) == len(district) * len(counties) and len({t["target_id"] for t in targets}) == len(
        targets
    )
    text = {(line["plan_id"], line["text"]) for line in _rows(seeds / "plan_text_lines.csv")}
    assert all((t["plan_id"], t["quote"]) in text for t in targets)
    # amounts scale with the county, growth targets do not; the words say the same number as the value
    fai = {t["plan_id"]: t for t in targets if t["indicator_code"] == "fai_total"}
    small = min(counties, key=lambda r: r.factor)
    row = fai[f"county_{small.code}_2024"]
    assert float(row["target_value"]) < 450 and row["target_value"] in row["quote"]
    assert {t["target_value"] for t in targets if t["indicator_code"] == "retail_sales"} == {"6.5"}
    assert (REPO / "dbt_project" / "seeds" / "plans.csv").read_text(encoding="utf-8").count("county_") == 0


def test_the_releases_load_through_the_real_ingest_every_county_and_figure(
    province, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, totals = province
    monkeypatch.setenv("PLANWATCH_HOME", str(made.home))
    monkeypatch.setenv("PLANWATCH_DATA_ROOT", str(made.data))
    monkeypatch.setenv("PLANWATCH_STATE_DIR", str(tmp_path))
    settings = load_settings()
    loaded = 0
    for source in load_registry(settings.sources_dir).values():
        result = ingest_source(source, IngestPaths.from_settings(settings), date(2024, 3, 1))
        assert not result.rejected, result.rejected
        loaded += result.rows_loaded
    with duckdb.connect(str(settings.raw_db), read_only=True) as con:
        per_source = con.execute(
            "select source_id, count(distinct region_code), min(period_year) from observations group by 1"
        ).fetchall()
        missing = con.execute("select count(*) from observations where value is null").fetchone()
    assert {r[0] for r in per_source} == set(REAL)
    assert {r[1] for r in per_source} == {COUNTIES_PER_SCALE} and {r[2] for r in per_source} == {2024}
    # every figure written is loaded, none skipped; a figure the district's table leaves empty stays missing
    empty = sum(sum(s.value is None for s in template(real).series) for real in REAL.values())
    assert loaded == totals["figures"] and missing == (2 * COUNTIES_PER_SCALE * empty,)


def test_the_same_scale_makes_the_same_bytes(province, tmp_path: Path) -> None:
    made, _ = province
    again = make_home(tmp_path, 1)
    write_releases(again, [(2024, 3)], workers=1)
    for path in sorted(again.data.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (made.data / path.relative_to(again.data)).read_bytes(), path


def test_a_scale_stopped_before_its_nights_still_gets_a_table(tmp_path: Path, monkeypatch) -> None:
    """A 100x run stopped by the disk guard during its first dbt must still print what it measured."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_province", REPO / "benchmarks" / "bench_province.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_province", bench)  # its dataclasses look their module up
    spec.loader.exec_module(bench)
    load = bench.Measured("first: load", 771.7, 760.0, 1034, {"rows": 50_076_000})
    stopped = bench._summarise({"scale": 100, "first": [load], "incremental": [], "full": []}, tmp_path)
    printed = bench.table([stopped])
    assert "| first: load | 771.7 / 760.0 / 1034 |" in printed
    assert "| incremental_over_full | - |" in printed
