"""The periods of a release: read once per distinct label, checked against today and the calendar, and
(after the figures are written) checked for a period missing inside a series' run (a lost row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats.base import Cells, ReleaseContext
from ingest.normalise import NormaliseError, Period

if TYPE_CHECKING:
    from ingest.formats.resolve import Decisions, SeriesPlan
    from ingest.registry import Source


def read_periods(
    d: Decisions,
    rows: list[dict[str, Any]],
    cells: Cells,
    source: Source,
    ctx: ReleaseContext,
    parser: Callable[[str], Period],
) -> None:
    """Read every period label of the release and check the periods against today and the calendar."""
    first_row = {r["period_text"]: r for r in rows if r["no_key"] and not r["no_period"]}
    for text, row in first_row.items():
        try:
            d.periods[text] = _period(text, row, cells, source, ctx, parser)
        except ReleaseError as exc:
            if text is None:
                raise
            d.unreadable[text] = exc  # an error only if a figure of ours carries it (engine checks)
    if not d.periods:
        if d.unreadable:
            raise next(iter(d.unreadable.values()))
        return
    for text, period in d.periods.items():
        if (period.year, period.end_month) > (ctx.today.year, ctx.today.month):
            raise ReleaseError(
                where_of(source, ctx, first_row.get(text, {}), cells.columns.get("period")),
                f"period {period.label} is in the future",
                f"a period ending by {ctx.today:%Y-%m}",
            )
    _calendar(d, source, ctx)


def _period(
    text: str | None,
    row: dict[str, Any],
    cells: Cells,
    source: Source,
    ctx: ReleaseContext,
    parser: Callable[[str], Period],
) -> Period:
    if text is None:
        if cells.release_period is None:
            raise ReleaseError(
                Location(source.id, ctx.file_name), "figures without a period", "a period column or title"
            )
        return cells.release_period
    try:
        return parser(text)
    except (ValueError, NormaliseError) as exc:
        raise ReleaseError(
            where_of(source, ctx, row, cells.columns.get("period")),
            str(exc),
            cells.columns.get("period_form"),
        ) from exc


def _calendar(d: Decisions, source: Source, ctx: ReleaseContext) -> None:
    """The newest period in a file must be the one its place in the calendar names (issue 14)."""
    newest = max(d.periods.values(), key=lambda p: (p.year, p.end_month))
    cadence = source.cadence
    if cadence == "once":
        return
    wanted = (ctx.year, ctx.month) if cadence != "year" else (ctx.year, newest.end_month)
    if (newest.year, newest.end_month) != wanted:
        expected = f"{ctx.year}年" + (f"{ctx.month}月" if cadence != "year" else "")
        raise ReleaseError(
            Location(source.id, ctx.file_name),
            f"the newest period in the file is {newest.label}, but the file is the release for "
            f"{ctx.year}-{ctx.month:02d} by its location",
            f"figures up to {expected} (a file of another period under this name would replace that "
            "period's figures)",
        )


def gaps(
    d: Decisions,
    runs: dict[int, set[Period]],
    source: Source,
    ctx: ReleaseContext,
    everywhere: set[tuple[int, int]] | None = None,
    last_of: Callable[[int], SeriesPlan] | None = None,
) -> None:
    """A series present before and after a period that the others have, but not in it, lost a row there:
    a mistyped label, a NUL byte or another encoding in that row made it match nothing (issue 14).

    `runs`: the periods of each series (by dup_key) that has two or more; `everywhere`: the (year, end
    month) of every period in the release (None: those of `runs`); `last_of`: the last series of a
    dup_key, named in the message."""
    if everywhere is None:
        everywhere = {(p.year, p.end_month) for ps in runs.values() for p in ps}
    for dup, periods in sorted(runs.items()):  # in the file's column order: the first gap found is named
        ends = sorted({(p.year, p.end_month) for p in periods})
        if len(ends) < 2:
            continue
        inside = {e for e in everywhere if ends[0] < e < ends[-1] and e not in set(ends)}
        if inside:
            gap = min(inside)
            assert last_of is not None
            plan = last_of(dup)
            unmatched = list(
                dict.fromkeys(s.example for s in d.skips if s.reason == "label not in the registry")
            )
            raise ReleaseError(
                Location(source.id, ctx.file_name, plan.sheet),
                f"{plan.label} ({plan.measure}) has no figure for {gap[0]}年{gap[1]}月 although the file has "
                f"it before and after"
                + (f"; labels that matched nothing: {', '.join(repr(u) for u in unmatched[:3])}" if unmatched else ""),
                "a row for every period (a renamed, mistyped or garbled label is an error, not a skip)",
            )  # fmt: skip


def where_of(source: Source, ctx: ReleaseContext, row: dict[str, Any], col: str | None = None) -> Location:
    return Location(source.id, ctx.file_name, row.get("sheet"), row.get("first_row"), col or row.get("col"))
