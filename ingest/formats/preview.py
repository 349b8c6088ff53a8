"""A release read the way the nightly run reads it, into a scratch database: for previews and for tests.

`figures_of` runs the same reader, decisions, checks and load as `planwatch sources load`, against an
in-memory DuckDB with the raw layer's schema, and returns what would be loaded. `sources add` prints
`preview_table` of it before saving an entry; tests compare it with what they expect.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import duckdb

from ingest import raw_store
from ingest.formats.base import ReleaseContext
from ingest.formats.engine import parse_release
from ingest.normalise import Period

if TYPE_CHECKING:
    from ingest.registry import Source


@dataclass(frozen=True)
class Figure:
    indicator_code: str
    region_code: str
    period_year: int
    period_start_month: int
    period_end_month: int
    measure: str
    value: float | None
    value_raw: str | None
    unit: str
    unit_raw: str
    unit_multiplier: float
    label_raw: str
    file_sheet: str | None
    file_row: int
    obs_status: str | None

    @property
    def period(self) -> Period:
        return Period(self.period_year, self.period_start_month, self.period_end_month)

    @property
    def key(self) -> tuple[str, str, int, int, int, str]:
        return (
            self.indicator_code,
            self.region_code,
            self.period_year,
            self.period_start_month,
            self.period_end_month,
            self.measure,
        )


@dataclass(frozen=True)
class Preview:
    figures: list[Figure]
    figures_read: int
    skipped: dict[str, int]
    release_date: date | None


def read_preview(
    content: bytes,
    source: Source,
    file_name: str,
    *,
    period: tuple[int, int] | None = None,
    today: date | None = None,
) -> Preview:
    """What loading this release would write (raises ReleaseError as the nightly run would)."""
    today = today or date.today()
    year, month = period or source.period_of(file_name) or (today.year, today.month)
    ctx = ReleaseContext(file_name, year, month, today, preview=True)
    with duckdb.connect() as con:
        raw_store.create_schema(con)
        parsed = parse_release(con, content, source, ctx)
        skipped = {s.reason: s.figures for s in parsed.skips}
        read, released = parsed.figures_read, parsed.release_date
        meta = raw_store.ReleaseMeta(
            source.id, "preview", file_name, "", len(content), datetime.now(UTC), released or today
        )
        raw_store.load_release(con, meta, parsed, "preview", datetime.now(UTC))
        rows = con.execute(
            f"select {', '.join(Figure.__dataclass_fields__)} from observations order by file_row, measure"
        ).fetchall()
    return Preview([Figure(*r) for r in rows], read, skipped, released)


def figures_of(content: bytes, source: Source, file_name: str, **kw: object) -> list[Figure]:
    return read_preview(content, source, file_name, **kw).figures  # type: ignore[arg-type]


def preview_table(preview: Preview, limit: int = 12) -> str:
    """A few lines a person reads before saving an entry: counts by indicator and measure, first rows."""
    lines = [
        f"{preview.figures_read} figures read, {len(preview.figures)} would be loaded"
        + "".join(f", {n} skipped ({reason})" for reason, n in preview.skipped.items())
    ]
    counts = Counter((f.indicator_code, f.measure) for f in preview.figures)
    for (code, measure), n in sorted(counts.items()):
        lines.append(f"  {code:36} {measure:18} {n:6} figures")
    lines.append("first figures:")
    for f in preview.figures[:limit]:
        period = f"{f.period_year}-{f.period_start_month:02d}..{f.period_end_month:02d}"
        lines.append(
            f"  row {f.file_row:<5} {f.indicator_code:28} {f.region_code:10} {period:16} {f.measure:16} "
            f"{'' if f.value is None else f'{f.value:g}':>12} {f.unit_raw}"
        )
    return "\n".join(lines)
