"""The committed registry and sample releases: every source loads its samples, the catalog agrees."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import load_registry
from samples.generate import generate
from tests.ingest.conftest import REPO, SAMPLES

REGISTRY = load_registry(REPO / "config" / "sources")
AS_OF = date(2024, 9, 1)
SAMPLES_END_DAY = date(2025, 4, 30)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> IngestPaths:
    """Every committed source ingested once from the committed samples into one raw file."""
    tmp = tmp_path_factory.mktemp("sources")
    paths = IngestPaths(SAMPLES, tmp / "landing", tmp / "quarantine", tmp / "raw.duckdb")
    for source in REGISTRY.values():
        # a yearly file holds the whole year by now: the run is as of 2024-09, on a day after the samples end
        result = ingest_source(source, paths, AS_OF, today=SAMPLES_END_DAY)
        assert result.status == "loaded", (source.id, result.rejected)
        assert result.releases_missing == 0, (source.id, result.missing)
    return paths


def test_every_source_loads_and_carries_every_indicator_it_maps(loaded: IngestPaths) -> None:
    with duckdb.connect(str(loaded.raw_db), read_only=True) as con:
        found = set(con.execute("select distinct source_id, indicator_code from observations").fetchall())
    expected = {(s.id, m.code) for s in REGISTRY.values() for m in s.indicators}
    assert expected == found


def test_sourced_in_the_catalog_means_a_registry_entry_maps_it() -> None:
    with (REPO / "dbt_project" / "seeds" / "indicators.csv").open(encoding="utf-8") as fh:
        catalog = {row["indicator_code"]: row["source_status"] for row in csv.DictReader(fh)}
    mapped = {m.code for s in REGISTRY.values() for m in s.indicators}
    assert mapped <= set(catalog)
    assert {code for code, status in catalog.items() if status == "sourced"} == mapped


def test_year_to_date_monthly_series_have_no_january(loaded: IngestPaths) -> None:
    with duckdb.connect(str(loaded.raw_db), read_only=True) as con:
        rows = con.execute(
            "select distinct source_id from observations where measure in ('ytd_value', 'count_ytd')"
            " and period_end_month = 1"
        ).fetchall()
    assert rows == []


def test_samples_include_revisions_of_earlier_periods(loaded: IngestPaths) -> None:
    with duckdb.connect(str(loaded.raw_db), read_only=True) as con:
        revised = con.execute(
            """
            select distinct source_id from observations
            group by source_id, indicator_code, region_code, period_year, period_start_month, period_end_month,
                     measure
            having count(distinct coalesce(value, -1e300)) > 1
            """
        ).fetchall()
    assert {r[0] for r in revised} >= {
        "stats_data_portal",
        "culture_tourism_sdmx",
        "ecology_environment_monthly",
        "human_resources_employment",
        "market_regulation_patents",
    }


def test_generator_is_deterministic_and_matches_the_committed_samples(tmp_path: Path) -> None:
    written = generate(tmp_path)
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*") if p.is_file())
    assert sorted(p.relative_to(tmp_path) for p in written) == committed
    for rel in committed:
        assert (tmp_path / rel).read_bytes() == (SAMPLES / rel).read_bytes(), rel
    assert sum((SAMPLES / rel).stat().st_size for rel in committed) < 5 * 1024 * 1024
