"""Deterministic sample bureau releases (data/samples/): figures from samples/sources/, layout from the registry.

The figures are invented but shaped like the real ones: year-to-date cumulative values with 1-2月
combined, back-loaded investment, published cumulative growth on a comparable base, quarterly and annual
figures where the real indicator is quarterly or annual, counts that arrive in batches late in the year,
a few revisions (a later release restating an earlier period with a changed value), and a mix of targets
that are on track and behind. Which files a source has, their paths, layout, labels, units, columns and
encoding come from its registry entry (config/sources/) and its format's sample writer, so a sample is
always laid out the way the registry reads it. Same seed and as-of month, same bytes.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path, PurePosixPath

from core.errors import ConfigError
from ingest.formats import FORMATS
from ingest.registry import Source, load_registry
from samples.sources import FILE_GENERATORS, GENERATORS

log = logging.getLogger(__name__)


def _write(path: Path, content: bytes, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    written.append(path)


def source_files(source: Source, out_dir: Path, as_of: date, seed: int, written: list[Path]) -> None:
    """A drop folder's files for every period up to as_of, each into the period's folder."""
    generator = FILE_GENERATORS[source.id]
    for year, month in source.periods_to_fetch(as_of):
        folder = out_dir / PurePosixPath(source.location_for(year, month)).parent
        for name, content in generator(source, year, month, seed).items():
            _write(folder / name, content, written)


def source_releases(source: Source, out_dir: Path, as_of: date, seed: int, written: list[Path]) -> None:
    """Every release the source's calendar names up to as_of, written where its location says."""
    if source.id in FILE_GENERATORS:
        source_files(source, out_dir, as_of, seed, written)
        return
    generator = GENERATORS.get(source.id)
    if generator is None:
        raise ConfigError(f"source {source.id}: no sample generator in samples/sources/")
    fmt = FORMATS[source.format]
    for year, month in source.periods_to_fetch(as_of):
        try:
            release = generator(year, month, seed)
        except KeyError as exc:
            raise ConfigError(
                f"source {source.id}: no sample figures for {year} (the generators cover {FIRST_YEAR}-"
                f"{LAST_YEAR}; give --as-of up to {LAST_YEAR}-12)"
            ) from exc
        if release is None:  # a yearly file appears with the year's first figures
            continue
        _write(out_dir / source.location_for(year, month), fmt.write_sample(source, release), written)


# The bundled samples: to 2025-03 (from 2023-01; from 2021-01 for the sources with a seasonal benchmark,
# which needs three full years), so the 2024 plan can be closed with December figures and the 2025 plan
# demonstrated (the demo's as-of month, config/settings.yml, is a month within them). Bureau progress
# returns start with the 2024 plan.
SAMPLE_END = (2025, 3)
FIRST_YEAR, LAST_YEAR = 2021, 2025


def generate(
    out_dir: Path,
    as_of_year: int = SAMPLE_END[0],
    as_of_month: int = SAMPLE_END[1],
    seed: int = 2024,
    sources_dir: Path | None = None,
) -> list[Path]:
    """Write every source's releases from its first period up to the as-of month."""
    if sources_dir is None:
        from core.settings import load_settings

        sources_dir = load_settings().sources_dir
    if as_of_year > LAST_YEAR:  # said before writing eleven sources' files for nothing
        raise ConfigError(
            f"no sample figures for {as_of_year} (the generators cover {FIRST_YEAR}-{LAST_YEAR}; "
            f"give --as-of up to {LAST_YEAR}-12)"
        )
    as_of = date(as_of_year, as_of_month, 1)
    written: list[Path] = []
    for source in load_registry(sources_dir).values():
        if source.id in GENERATORS or source.id in FILE_GENERATORS:
            source_releases(source, out_dir, as_of, seed, written)
        else:
            log.info("source %s has no sample generator; no sample releases written for it", source.id)
    return written


def sample_release(
    source_id: str, year: int, month: int, seed: int = 2024, sources_dir: Path | None = None
) -> bytes:
    """The bytes of one sample release of a source (tests serve these over HTTP)."""
    if sources_dir is None:
        from core.settings import load_settings

        sources_dir = load_settings().sources_dir
    source = load_registry(sources_dir)[source_id]
    release = GENERATORS[source_id](year, month, seed)
    if release is None:
        raise ConfigError(f"source {source_id} publishes nothing for {year}-{month:02d}")
    return FORMATS[source.format].write_sample(source, release)


def stats_report_xlsx(year: int, month: int, seed: int = 2024) -> bytes:
    """One 统计月报 (tests/ingest/test_fetch_http.py and test_trust_http.py serve it)."""
    return sample_release("stats_monthly_report", year, month, seed)
