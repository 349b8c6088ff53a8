"""A province home and its release files, for the scale benchmark.

    .venv/bin/python -m samples.province.generate --scale 1 --out /tmp/province [--until 2024-09]

writes <out>/home (copies of config/ and dbt_project/ with the provincial registry and the counties'
plans: the repository's own files are never touched) and <out>/data (the release files, where the
provincial registry's locations say). Same scale, same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.settings import parse_month
from ingest.formats import FORMATS
from ingest.registry import Source, load_registry
from samples.province.catalog import write_catalog
from samples.province.figures import release, template
from samples.province.regions import regions
from samples.province.registry import FIRST_PERIOD, province_entry, real_entries, write_entries

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Province:
    home: Path  # PLANWATCH_HOME of the benchmark: config/ and dbt_project/ of the province
    data: Path  # PLANWATCH_DATA_ROOT: the release files
    scale: int
    counties: int
    targets: int


def make_home(out: Path, scale: int, repo: Path = REPO) -> Province:
    """Copy config/ and dbt_project/, then write the provincial registry and the counties' plans."""
    home = out / "home"
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(repo / "config", home / "config")
    ignore = shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")
    shutil.copytree(repo / "dbt_project", home / "dbt_project", ignore=ignore)
    shutil.copytree(repo / "dags", home / "dags", ignore=shutil.ignore_patterns("__pycache__"))
    (home / "pyproject.toml").write_text((repo / "pyproject.toml").read_text(encoding="utf-8"))
    counties = regions(scale)
    real = figure_sources(load_registry(repo / "config" / "sources"))
    entries = {
        sid: province_entry(e, template(real[sid]))
        for sid, e in real_entries(repo / "config" / "sources").items()
        if sid in real
    }
    write_entries(entries, home / "config" / "sources")
    targets = write_catalog(home / "dbt_project" / "seeds", counties)
    return Province(home, out / "data", scale, len(counties), targets)


def figure_sources(sources: dict[str, Source]) -> dict[str, Source]:
    """The sources whose releases are indicator figures. Bureau progress returns (formats with raw tables
    of their own) are left out: a county's returns are one row per target a month, far fewer than its
    figures, and their shape is the returns format's own (see ingest/formats/progress_return)."""
    return {sid: s for sid, s in sources.items() if FORMATS[s.format].tables is None}


def months(first: str, last: str) -> list[tuple[int, int]]:
    start, end = parse_month(first), parse_month(last)
    out = []
    for year in range(start.year, end.year + 1):
        for month in range(1, 13):
            if start <= date(year, month, 1) <= end:
                out.append((year, month))
    return out


def _write_year(job: tuple[str, str, int, int, list[int]]) -> tuple[int, int, int]:
    """One source's releases of one year (in a worker process); returns (files, bytes, figures)."""
    home, source_id, scale, year, wanted = job
    source = load_registry(Path(home) / "config" / "sources")[source_id]
    real = load_registry(REPO / "config" / "sources")[source_id]
    tmpl = template(real)
    fmt = FORMATS[source.format]
    counties = regions(scale)
    files = size = figures = 0
    data = Path(home).parent / "data"
    for month in wanted:
        month_release = release(tmpl, year, month, counties, code_format=fmt.key_kind == "code")
        content = fmt.write_sample(source, month_release)
        path = data / source.location_for(year, month)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        files, size, figures = (
            files + 1,
            size + len(content),
            figures + len(month_release.figures),
        )
    return files, size, figures


def write_releases(
    province: Province, periods: Iterable[tuple[int, int]], workers: int = 2
) -> dict[str, int]:
    """Every source's release of every month given (January is never published: 1-2月 come together)."""
    sources = load_registry(province.home / "config" / "sources")
    by_year: dict[int, list[int]] = {}
    for year, month in periods:
        by_year.setdefault(year, []).append(month)
    jobs = [
        (str(province.home), sid, province.scale, year, [m for m in ms if m not in s.release.skip_months])
        for sid, s in sorted(sources.items())
        for year, ms in sorted(by_year.items())
    ]
    totals = {"files": 0, "bytes": 0, "figures": 0}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for files, size, figures in pool.map(_write_year, jobs):
            totals["files"] += files
            totals["bytes"] += size
            totals["figures"] += figures
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--from", dest="first", default=FIRST_PERIOD, help="first month of releases (YYYY-MM)"
    )
    parser.add_argument("--until", default="2024-09", help="last month of releases (YYYY-MM)")
    parser.add_argument("--releases-only", action="store_true", help="add releases to an existing province")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.releases_only:
        counties = regions(args.scale)
        province = Province(args.out / "home", args.out / "data", args.scale, len(counties), 0)
    else:
        province = make_home(args.out, args.scale)
    totals = write_releases(province, months(args.first, args.until), args.workers)
    print(json.dumps({"counties": province.counties, "targets": province.targets, **totals}))


if __name__ == "__main__":
    main()
