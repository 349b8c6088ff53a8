"""The decisions about a release, made once per distinct series, period and region (not per figure).

Given what the grouping query found (engine.py), this says for each series (a label or code, with its
unit and column) which registry indicator it is, in which unit and measure, and within which bounds; for
each period label which months it covers; for each region which planwatch region it is; and what is
skipped, with a reason, so that every figure read is either loaded or accounted for. It also makes the
checks that need only these few rows: every registry label present, nothing from the future, a file
whose latest period is where the calendar puts it, no period missing inside a series' run, no silent
change of unit.

A label series is decided once per distinct set of what its decision reads (the mapping's declared unit,
measures and rules, the units found, the column's measure, a growth word in the label): a 统计月报 of
100,000 rows has 300,000 series and a handful of such sets. size: the memo belongs beside the decision it
keeps, so this module is over 400 lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from core.errors import Location
from core.vocabulary import vocabulary
from ingest.errors import ReleaseError
from ingest.formats.base import Cells, Format, ReleaseContext
from ingest.formats.periods import read_periods, where_of
from ingest.formats.rules import (
    bounds,
    growth_words,
    is_percent_unit,
    measure_rules,
    period_rule,
    row_measure,
)
from ingest.normalise import NormaliseError, Period, Unit, clean_label, parse_unit, split_label
from ingest.raw_store import first

if TYPE_CHECKING:
    from ingest.registry import IndicatorMapping, Source

log = logging.getLogger(__name__)
PERCENT = Unit("%", "percent", 1.0)

# The decision tables are joined to the cells on plain equality of text: NULL is stored as a sentinel in
# the tables and the cells' columns are coalesced to it, so every join is a hash join on one text each.
NULL_KEY = "∅planwatch-null∅"  # a text no bureau writes


def null_key(column: str) -> str:
    return f"coalesce({column}, '{NULL_KEY}')"


def series_join(columns: tuple[str, ...]) -> str:
    """The join of the cells to the series table on the key and the columns that tell series apart.

    Only columns that vary within one key take part: a join on fewer text columns is faster, and a column
    constant within every key adds nothing to telling series apart.
    """
    return " and ".join(f"s.{c} = {null_key('c.' + c)}" for c in ("key", *columns))


@dataclass(slots=True)  # one per series: 300,000 for a 100,000-row 统计月报
class SeriesPlan:
    series_no: int
    key: str
    unit_text: str | None
    col_unit: str | None
    column_measure: str | None
    indicator_code: str
    measure: str
    unit: Unit
    label_raw: str
    sheet: str | None
    period_rule: str
    offset: float
    lo: float
    hi: float
    dup_key: int
    label: str  # the registry label
    first_row: int
    col: str | None


@dataclass
class Skip:
    reason: str
    figures: int
    first_row: int | None
    example: str


@dataclass
class Decisions:
    series: list[SeriesPlan] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    periods: dict[str | None, Period] = field(default_factory=dict)
    regions: dict[str | None, str] = field(default_factory=dict)
    skipped_regions: list[str] = field(default_factory=list)
    join_columns: tuple[str, ...] = ("unit_text", "col_unit", "measure")
    unreadable: dict[str, ReleaseError] = field(default_factory=dict)  # period text -> its error

    def check_unreadable_periods(self, con: duckdb.DuckDBPyConnection, relation: str, tag: str) -> None:
        """A period that cannot be read is an error where a figure of ours carries it; elsewhere the row is
        already skipped for its label."""
        if not self.unreadable:
            return
        marks = ", ".join("?" for _ in self.unreadable)
        row = first(
            con.execute(
                f"""select c.period_text from {relation} c join pw_series_{tag} s
                    on {series_join(self.join_columns)} where c.period_text in ({marks}) limit 1""",
                list(self.unreadable),
            ).fetchall()
        )
        if row is not None:
            raise self.unreadable[row[0]]

    def count_region_skips(self, con: duckdb.DuckDBPyConnection, relation: str, tag: str) -> None:
        """Figures of mapped series in regions the registry does not take: counted, with their reason."""
        if not self.skipped_regions:
            return
        marks = ", ".join("?" for _ in self.skipped_regions)
        row = first(
            con.execute(
                f"""select count(*), min(c.file_row) from {relation} c join pw_series_{tag} s
                on {series_join(self.join_columns)} where c.region_text in ({marks})""",
                self.skipped_regions,
            ).fetchall()
        )
        if row and row[0]:
            self.skips.append(
                Skip("region not taken by the registry", int(row[0]), row[1], self.skipped_regions[0])
            )


def _same_unit(a: Unit, b: Unit) -> bool:
    return a.raw == b.raw or (a.canonical, a.multiplier) == (b.canonical, b.multiplier)


def _dimension(unit: Unit) -> str:
    dims = {u.canonical: u.dimension for u in vocabulary().units.values()}  # only when a unit changed
    return dims.get(unit.canonical, unit.canonical)


class _Resolver:
    def __init__(
        self,
        cells: Cells,
        fmt: Format,
        source: Source,
        ctx: ReleaseContext,
        history: dict[tuple[str, str], Unit],
    ) -> None:
        self.cells, self.fmt, self.source, self.ctx, self.history = cells, fmt, source, ctx, history
        self.vocab = vocabulary()  # once: resolving it walks the file system
        self.rules = measure_rules()
        self.bounds: dict[tuple[str, Unit], tuple[float, float]] = {}
        self.labels_seen: dict[str, tuple[str, str | None, bool]] = {}
        self.unit_col = cells.columns.get("unit")
        self.profiles: dict[tuple[Any, ...], int] = {}
        self.profile_of: dict[str, int] = {}
        self.decided: dict[tuple[Any, ...], Any] = {}  # a decision's inputs -> it (or a skip's reason)
        self.converted = False
        self.labels = {m.label for m in source.indicators}
        self.by_label: dict[str, list[IndicatorMapping]] = {}
        for m in source.indicators:  # looked up per series: a dict, not a scan of every mapping
            self.by_label.setdefault(m.label, []).append(m)
        self.dup_keys: dict[tuple[str, str], int] = {}

    def mapping_for(self, label: str, measure: str | None = None) -> IndicatorMapping | None:
        """As Source.mapping_for, by dictionary."""
        for m in self.by_label.get(label, ()):
            if measure is None or m.measures is None or measure in m.measures:
                return m
        return None

    def label_of(self, key: str) -> tuple[str, str | None]:
        """A row label as the registry names it, and a unit in its brackets (if they hold a unit)."""
        return self._seen(key)[:2]

    def _label_of(self, key: str) -> tuple[str, str | None]:
        whole = clean_label(key)
        if whole in self.labels:
            return whole, None
        name, unit = split_label(key)
        name = clean_label(name)
        if unit is None and name not in self.labels:
            bare, _ = split_label(key.split("(")[0].split("（")[0])
            if clean_label(bare) in self.labels:
                return clean_label(bare), None  # 修缮文保单位(点) registered as 修缮文保单位
        return name, unit

    def unit_of(self, text: str | None, row: dict[str, Any], col: str | None) -> Unit | None:
        if not text:
            return None
        try:
            if self.fmt.unit_parser is not None:  # units as codes (SDMX UNIT_MEASURE with UNIT_MULT)
                return self.fmt.unit_parser(text, self.source.options)
            return parse_unit(text)
        except (NormaliseError, ValueError) as exc:
            raise ReleaseError(
                where_of(self.source, self.ctx, row, col),
                str(exc),
                "a unit such as 亿元, 万元, 亿美元, %, 家",
            ) from exc

    def series(self, row: dict[str, Any], series_no: int) -> SeriesPlan | Skip:
        key = row["key"]
        if key is None or str(key).strip() == "":
            return Skip("row without a label", row["n"], row["first_row"], "")
        if self.fmt.key_kind == "code":
            hit = (self.cells.code_series or {}).get(key)
            if hit is None:
                return Skip("series not taken by the registry", row["n"], row["first_row"], key)
            label, measure = hit
            return self._plan(
                row, series_no, label, measure, self.unit_of(row["unit_text"], row, self.unit_col)
            )
        label, label_unit, growth = self._seen(key)
        if label not in self.labels:
            return Skip("label not in the registry", row["n"], row["first_row"], key)
        # what the decision depends on besides where the series is: the same inputs, the same decision
        # (a 100,000-row 统计月报 has 300,000 series and a handful of these)
        sig = (self._profile(label), label_unit, row["unit_text"], row["col_unit"], row["measure"], growth)
        decided = self.decided.get(sig)
        if decided is None:
            self.converted = False
            plan = self._label_series(row, series_no, key, label, label_unit)
            if isinstance(plan, SeriesPlan):
                chosen = self.mapping_for(label, plan.measure)
                index = next(i for i, m in enumerate(self.by_label[label]) if m is chosen)
                self.decided[sig] = (
                    index,
                    plan.measure,
                    plan.unit,
                    plan.offset,
                    plan.period_rule,
                    (plan.lo, plan.hi),
                    self.converted,
                )
            else:
                self.decided[sig] = plan.reason
            return plan
        if isinstance(decided, str):
            return Skip(decided, row["n"], row["first_row"], key)
        index, measure, unit, offset, rule, bound, converted = decided
        mapping = self.by_label[label][index]
        if converted:  # logged for every series, as when each is decided on its own
            reference = parse_unit(mapping.unit) if mapping.unit else self.history[(mapping.code, measure)]
            self._log_convert(mapping, unit, reference)
        return self._new_plan(row, series_no, mapping, measure, unit, offset, rule, bound)

    def _seen(self, key: str) -> tuple[str, str | None, bool]:
        """The registry's label of a row label, a unit in its brackets, and whether it names a growth."""
        seen = self.labels_seen.get(key)
        if seen is None:  # a key repeats once per value column
            seen = self.labels_seen[key] = (*self._label_of(key), bool(growth_words(key)))
        return seen

    def _profile(self, label: str) -> int:
        """What of a label's mappings a decision reads (the code only where the last release's unit is the
        reference), as a small number: labels mapped alike share it."""
        pid = self.profile_of.get(label)
        if pid is None:
            profile = tuple(
                (m.unit, tuple(m.measures) if m.measures is not None else None, m.unit_change, m.index_base,
                 None if m.unit else m.code)
                for m in self.by_label[label]
            )  # fmt: skip
            pid = self.profile_of[label] = self.profiles.setdefault(profile, len(self.profiles))
        return pid

    def _label_series(
        self, row: dict[str, Any], series_no: int, key: str, label: str, label_unit: str | None
    ) -> SeriesPlan | Skip:
        found = self.unit_of(row["unit_text"], row, self.unit_col) or self.unit_of(label_unit, row, None)
        found = found or self.unit_of(row["col_unit"], row, None)
        found = found or self.unit_of(self.cells.table_unit, row, "单位")
        mapping = self.mapping_for(label)
        declared = parse_unit(mapping.unit) if mapping and mapping.unit else None
        measure = row_measure(row["measure"], found or declared, key, self.vocab, self.rules)
        return self._plan(row, series_no, label, measure, found)

    def _plan(
        self, row: dict[str, Any], series_no: int, label: str, measure: str, found: Unit | None
    ) -> SeriesPlan | Skip:
        mapping = self.mapping_for(label, measure)
        if mapping is None:
            return Skip(f"measure {measure} not taken for this label", row["n"], row["first_row"], row["key"])
        unit = self.unit_for(mapping, measure, found, row)
        offset = mapping.index_base if mapping.index_base is not None and "growth" in measure else 0.0
        rule = period_rule(row["measure"] or measure, self.vocab)
        return self._new_plan(row, series_no, mapping, measure, unit, offset, rule)

    def _new_plan(
        self,
        row: dict[str, Any],
        series_no: int,
        mapping: IndicatorMapping,
        measure: str,
        unit: Unit,
        offset: float,
        rule: str,
        bound: tuple[float, float] | None = None,
    ) -> SeriesPlan:
        if bound is None:
            bound = self.bounds.get((measure, unit))
        if bound is None:
            bound = self.bounds[(measure, unit)] = bounds(measure, unit, self.vocab)
        # one figure per indicator and measure; a draft's unknown codes ('?') are told apart by label
        identity = (mapping.code, measure) if mapping.code != "?" else (mapping.label, measure)
        dup = self.dup_keys.setdefault(identity, len(self.dup_keys))
        key = row["key"]
        return SeriesPlan(
            series_no, key, row["unit_text"], row["col_unit"], row["measure"], mapping.code, measure, unit,
            str(row["label"] or key), row["sheet"], rule, offset, bound[0], bound[1], dup,
            mapping.label, row["first_row"], row["col"],
        )  # fmt: skip

    def _log_convert(self, mapping: IndicatorMapping, found: Unit, reference: Unit) -> None:
        log.warning(
            "%s: %s published in %s, not %s: loaded with multiplier %g (unit_change: convert)",
            self.source.id, mapping.label, found.raw, reference.raw, found.multiplier,
        )  # fmt: skip

    def unit_for(
        self, mapping: IndicatorMapping, measure: str, found: Unit | None, row: dict[str, Any]
    ) -> Unit:
        """The unit a figure is loaded in: as found, checked against the declared or the last loaded one."""
        if self.vocab.measures[measure].is_percent:
            return found if found is not None and is_percent_unit(found) else PERCENT
        declared = parse_unit(mapping.unit) if mapping.unit else None
        reference = declared or self.history.get((mapping.code, measure))
        if found is None:
            if reference is None:
                raise ReleaseError(
                    where_of(self.source, self.ctx, row),
                    f"no unit for {mapping.label}",
                    "a unit in the file (a 单位 line or column, brackets) or `unit` in the source registry",
                )
            return reference
        if reference is not None and not _same_unit(found, reference):
            said = "as declared in the source registry" if declared else "as in the releases loaded before"
            if mapping.unit_change == "convert" and _dimension(found) == _dimension(reference):
                self.converted = True
                self._log_convert(mapping, found, reference)
                return found
            raise ReleaseError(
                where_of(self.source, self.ctx, row),
                f"unit of {mapping.label} changed to {found.raw!r}",
                f"{reference.raw!r} {said} (or `unit_change: convert` to load it in the new unit)",
            )
        return found


def decide(
    rows: list[dict[str, Any]],
    cells: Cells,
    fmt: Format,
    source: Source,
    ctx: ReleaseContext,
    history: dict[tuple[str, str], Unit],
    period_parser: Callable[[str], Period],
) -> Decisions:
    resolver = _Resolver(cells, fmt, source, ctx, history)
    d = Decisions()
    series_rows = [r for r in rows if not r["no_key"] and r["no_period"]]
    d.join_columns = _varying(series_rows)
    series_rows.sort(key=lambda r: (r["first_row"] or 0, len(r["col"] or ""), r["col"] or ""))
    for row in series_rows:
        plan = resolver.series(row, len(d.series) + 1)
        (d.series if isinstance(plan, SeriesPlan) else d.skips).append(plan)  # type: ignore[arg-type]
    if fmt.key_kind == "label":
        found = {s.label for s in d.series}
        missing = [m.label for m in source.indicators if m.label not in found]
        if missing:
            raise ReleaseError(
                Location(source.id, ctx.file_name, cells.columns.get("sheet")),
                f"indicator rows missing or renamed: {', '.join(dict.fromkeys(missing))}",
                "rows named as in the registry",
            )
    read_periods(d, rows, cells, source, ctx, period_parser)
    _regions(d, rows, cells, source, ctx)
    d.skips = _merged(d.skips)
    return d


def _varying(series_rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """The columns besides the key whose value differs within one key somewhere in the release."""
    keys = len({r["key"] for r in series_rows})
    return tuple(
        c
        for c in ("unit_text", "col_unit", "measure")
        # one value in the whole release (the common case) varies within no key: no pairs to build
        if len({r[c] for r in series_rows}) > 1 and len({(r["key"], r[c]) for r in series_rows}) > keys
    )


def _merged(skips: list[Skip]) -> list[Skip]:
    by_reason: dict[str, Skip] = {}
    for s in skips:
        if s.reason in by_reason:
            prev = by_reason[s.reason]
            first = min(x for x in (prev.first_row, s.first_row) if x is not None) if (
                prev.first_row or s.first_row) else None  # fmt: skip
            by_reason[s.reason] = Skip(s.reason, prev.figures + s.figures, first, prev.example)
        else:
            by_reason[s.reason] = s
    return list(by_reason.values())


def _regions(
    d: Decisions, rows: list[dict[str, Any]], cells: Cells, source: Source, ctx: ReleaseContext
) -> None:
    for r in rows:
        if not (r["no_key"] and r["no_period"] and not r["no_region"]):
            continue
        text = r["region_text"]
        if text is None:
            d.regions[text] = source.region
        elif cells.regions is None:
            code = str(text).strip()
            if not code:
                raise ReleaseError(
                    where_of(source, ctx, r, cells.columns.get("region")), "empty region", "a region code"
                )
            d.regions[text] = code
        elif text in cells.regions:
            d.regions[text] = cells.regions[text]
        else:
            d.skipped_regions.append(text)
