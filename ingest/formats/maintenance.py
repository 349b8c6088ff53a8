"""Keeping the raw layer right after the fact: re-parse a source under a corrected entry, find figures no
target uses, summarise a load. The raw layer itself (withdraw, the tables) is ingest/raw_store.py.

Reprocessing is one transaction for the whole source: every current load of it is withdrawn (kept, marked,
no longer current) and every landed release is parsed again under the entry as it is now and loaded as a
new load of the same file. If any release does not parse under the corrected entry, nothing changes and
the error names it, so the warehouse is never left half old, half new.
"""

from __future__ import annotations

import csv
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ingest import raw_store
from ingest.formats.base import ReleaseContext
from ingest.formats.engine import parse_release
from ingest.formats.rules import measure_rules
from ingest.threads import release_threads

if TYPE_CHECKING:
    from ingest.paths import IngestPaths
    from ingest.registry import Source
    from ingest.sandbox import ParseSandbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reprocessed:
    sha256: str
    location: str
    figures_before: int
    figures_after: int


def reprocess_source(
    source: Source,
    paths: IngestPaths,
    *,
    today: date | None = None,
    sandbox: ParseSandbox | None = None,
    holder: str | None = None,
) -> list[Reprocessed]:
    """Re-parse every current release of a source under its entry as it is now; all or nothing."""
    today = today or date.today()
    now = datetime.now(UTC)
    load_id = f"{source.id}-reprocess-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    done: list[Reprocessed] = []
    with raw_store.connect(paths.raw_db, holder or f"planwatch sources reprocess {source.id}") as con:
        releases = raw_store.current_releases(con, source.id)
        con.execute("begin transaction")
        try:
            reason = f"reprocessed under the registry entry of {today:%Y-%m-%d} (load {load_id})"
            for r in releases:  # first all, so the units of the old parse do not judge the new one
                raw_store.mark_withdrawn(con, r["release_no"], reason, now)
            for r in releases:
                year, month = source.period_of(r["location"]) or (
                    r["release_date"].year,
                    r["release_date"].month,
                )
                name = r["location"].rsplit("/", 1)[-1].split("?")[0]
                ctx = ReleaseContext(name, year, month, today)
                meta = raw_store.ReleaseMeta(
                    source.id, r["sha256"], r["location"], r["landing_path"], r["size_bytes"],
                    r["fetched_at"], r["release_date"],
                )  # fmt: skip
                with release_threads(con, r["size_bytes"]):
                    parsed = parse_release(
                        con, paths.landing / r["landing_path"], source, ctx, sandbox=sandbox
                    )
                    after = raw_store.load_release(con, meta, parsed, load_id, now, own_transaction=False)
                done.append(Reprocessed(r["sha256"], r["location"], r["row_count"], after))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    log.info("%s: reprocessed %d releases", source.id, len(done))
    return done


@dataclass(frozen=True)
class UnusedFigures:
    source_id: str
    indicator_code: str
    measure: str
    figures: int
    reason: str


def target_measures(plan_targets_csv: Path) -> dict[str, set[str]]:
    """indicator_code -> the observation measures its targets read (via the vocabulary's catalog_measures)."""
    by_catalog = {c: m for m, names in measure_rules().catalog_measures.items() for c in names}
    wanted: dict[str, set[str]] = {}
    with plan_targets_csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            measure = by_catalog.get(row.get("measure", ""))
            if row.get("indicator_code") and measure:
                wanted.setdefault(row["indicator_code"], set()).add(measure)
    return wanted


def unused_figures(
    con: duckdb.DuckDBPyConnection,
    plan_targets_csv: Path,
    *,
    source_id: str | None = None,
    load_id: str | None = None,
    observations: str = "observations",
) -> list[UnusedFigures]:
    """Figures loaded that no target of the catalog reads: "loaded, used by no target" (issue 15).

    A figure is used when a target of its indicator is measured in its measure (plan_targets.csv `measure`
    through measures.csv `catalog_measures`). `observations` names the relation to read (the raw view, or
    `raw.main.observations` in the build).
    """
    wanted = target_measures(plan_targets_csv)
    where, params = [], []
    for column, value in (("source_id", source_id), ("load_id", load_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    rows = con.execute(
        f"select source_id, indicator_code, measure, count(*) from {observations} "
        f"{'where ' + ' and '.join(where) if where else ''} group by all order by all",
        params,
    ).fetchall()
    found: list[UnusedFigures] = []
    for sid, code, measure, n in rows:
        if code not in wanted:
            found.append(UnusedFigures(sid, code, measure, n, "no target reads this indicator"))
        elif measure not in wanted[code]:
            reads = ", ".join(sorted(wanted[code]))
            found.append(UnusedFigures(sid, code, measure, n, f"its targets read {reads}, not {measure}"))
    return found


def load_summary(con: duckdb.DuckDBPyConnection, load_id: str) -> list[tuple[str, str, int, str, int]]:
    """Figures written by one load by indicator, measure and year: (indicator, measure, year, the periods
    from first to last as 01..02 - 01..09, figures), as `sources load` prints them."""
    rows = con.execute(
        """select indicator_code, measure, period_year,
                  arg_min(lpad(period_start_month::varchar, 2, '0') || '..' || lpad(period_end_month::varchar, 2, '0'),
                          period_end_month * 100 + period_start_month)
                  || ' - ' ||
                  arg_max(lpad(period_start_month::varchar, 2, '0') || '..' || lpad(period_end_month::varchar, 2, '0'),
                          period_end_month * 100 + period_start_month),
                  count(*)
           from observations where load_id = ? group by all order by all""",
        [load_id],
    ).fetchall()
    return [(r[0], r[1], int(r[2]), r[3], int(r[4])) for r in rows]
