"""The decisions about a release's series, made once per distinct set of what a decision reads.

A series is a label (or a code) with its unit and column. Which registry indicator it is, in which unit
and measure and within which bounds depends, for a label, on the mapping's declared unit, measures and
rules, the units found (a unit column, brackets in the label or header, the table's 单位 line), the
column's measure and whether the label names a growth: its signature. A 统计月报 of 100,000 rows has
300,000 series and a handful of signatures. ingest/formats/series.py finds the distinct labels and
signatures in DuckDB; this module decides each in Python, with the registry and the vocabulary, and
says why a series is skipped, so that every figure read is either loaded or accounted for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from core.vocabulary import vocabulary
from ingest.errors import ReleaseError
from ingest.formats.base import Cells, Format, ReleaseContext
from ingest.formats.periods import where_of
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

# What clean_label would change in an NFKC-normal text, as an RE2 pattern (pyarrow): whitespace as
# Python's str.isspace has it, a 其中: prefix, footnote marks at either end. A label that matches no
# registry label exactly, is not NFKC-normal or matches this goes through clean_label.
UNCLEAN_RE2 = r"[\t\n\v\f\r\x{1c}-\x{1f}\x{85}\pZ]|^(其中|内|含)[:：]|^[*#※△]|[*#※△]$"


def null_key(column: str) -> str:
    return f"coalesce({column}, '{NULL_KEY}')"


def series_join(columns: tuple[str, ...]) -> str:
    """The join of the cells to the series table on the key and the columns that tell series apart.

    Only columns that vary within one key take part: a join on fewer text columns is faster, and a column
    constant within every key adds nothing to telling series apart.
    """
    return " and ".join(f"s.{c} = {null_key('c.' + c)}" for c in ("key", *columns))


@dataclass(frozen=True, slots=True)
class SeriesPlan:
    """One series as loaded (a row of the series table, read back for a message)."""

    series_no: int
    indicator_code: str
    measure: str
    unit: Unit
    label_raw: str
    sheet: str | None
    offset: float
    dup_key: int
    label: str  # the registry label
    first_row: int | None
    col: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    """How every series of one signature is loaded."""

    index: int  # the mapping: the label's index-th mapping in the registry
    measure: str
    unit: Unit
    offset: float
    rule: str
    lo: float
    hi: float
    converted_from: Unit | None = None  # the reference unit, where `unit_change: convert` loaded another


@dataclass
class Skip:
    reason: str
    figures: int
    first_row: int | None
    example: str


@dataclass
class Decisions:
    skips: list[Skip] = field(default_factory=list)
    periods: dict[str | None, Period] = field(default_factory=dict)
    regions: dict[str | None, str] = field(default_factory=dict)
    skipped_regions: list[str] = field(default_factory=list)
    join_columns: tuple[str, ...] = ("unit_text", "col_unit", "measure")
    unreadable: dict[str, ReleaseError] = field(default_factory=dict)  # period text -> its error
    series_count: int = 0
    identities: int = 0  # distinct (indicator, measure) among the series: fewer means a duplicate

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


def plan_of(con: duckdb.DuckDBPyConnection, tag: str, where: str, value: int) -> SeriesPlan | None:
    """A series of the release as the series table holds it: `where` is series_no or dup_key (the last
    series of that identity)."""
    assert where in ("series_no", "dup_key")
    row = first(
        con.execute(
            f"""select series_no, indicator_code, obs_measure, unit_raw, unit_canonical, multiplier,
                       label_raw, sheet, "offset", dup_key, reg_label, first_row, col
                from pw_series_{tag} where {where} = ? order by series_no desc limit 1""",
            [value],
        ).fetchall()
    )
    if row is None:
        return None
    no, code, measure, raw, canonical, mult, label_raw, sheet, offset, dup, label, first_row, col = row
    return SeriesPlan(
        no, code, measure, Unit(raw, canonical, mult), label_raw, sheet, offset, dup, label, first_row, col
    )


def _same_unit(a: Unit, b: Unit) -> bool:
    return a.raw == b.raw or (a.canonical, a.multiplier) == (b.canonical, b.multiplier)


def _dimension(unit: Unit) -> str:
    dims = {u.canonical: u.dimension for u in vocabulary().units.values()}  # only when a unit changed
    return dims.get(unit.canonical, unit.canonical)


class Resolver:
    """The registry and the vocabulary, asked about one release's labels and signatures."""

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
        self.unit_col = cells.columns.get("unit")
        self.labels = frozenset(m.label for m in source.indicators)
        self.by_label: dict[str, list[IndicatorMapping]] = {}  # of the labels decided (index_labels)

    def index_labels(self, labels: set[str]) -> None:
        """The mappings of these labels, in registry order: one pass, not a dict of every mapping."""
        wanted = labels - self.by_label.keys()
        for m in self.source.indicators:
            if m.label in wanted:
                self.by_label.setdefault(m.label, []).append(m)

    def mapping_for(self, label: str, measure: str | None = None) -> IndicatorMapping | None:
        """As Source.mapping_for, by dictionary."""
        for m in self.by_label.get(label, ()):
            if measure is None or m.measures is None or measure in m.measures:
                return m
        return None

    def label_of(self, key: str) -> tuple[str, str | None]:
        """A row label as the registry names it, and a unit in its brackets (if they hold a unit)."""
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

    def key_facts(self, key: str | None) -> tuple[str | None, str | None, bool, str | None]:
        """For one distinct label: (registry label, unit in its brackets, names a growth, skip reason)."""
        if key is None or not key.strip():
            return None, None, False, "row without a label"
        if self.fmt.key_kind == "code":
            hit = (self.cells.code_series or {}).get(key)
            if hit is None:
                return None, None, False, "series not taken by the registry"
            return hit[0], None, False, None
        label, unit = self.label_of(key)
        if label not in self.labels:
            return label, unit, False, "label not in the registry"
        return label, unit, bool(growth_words(key)), None

    def decide(self, row: dict[str, Any]) -> Decision | str:
        """The decision for a signature, from its first series (which an error names), or a skip's reason.

        `row`: the series' key, unit_text, col_unit, measure, first_row, sheet, col, and what key_facts
        said (reg_label, label_unit, code_measure)."""
        label = row["reg_label"]
        if self.fmt.key_kind == "code":
            return self._plan(
                row, label, row["code_measure"], self.unit_of(row["unit_text"], row, self.unit_col)
            )
        found = self.unit_of(row["unit_text"], row, self.unit_col) or self.unit_of(
            row["label_unit"], row, None
        )
        found = found or self.unit_of(row["col_unit"], row, None)
        found = found or self.unit_of(self.cells.table_unit, row, "单位")
        mapping = self.mapping_for(label)
        declared = parse_unit(mapping.unit) if mapping and mapping.unit else None
        measure = row_measure(row["measure"], found or declared, row["key"], self.vocab, self.rules)
        return self._plan(row, label, measure, found)

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

    def _plan(self, row: dict[str, Any], label: str, measure: str, found: Unit | None) -> Decision | str:
        mapping = self.mapping_for(label, measure)
        if mapping is None:
            return f"measure {measure} not taken for this label"
        unit, converted_from = self.unit_for(mapping, measure, found, row)
        offset = mapping.index_base if mapping.index_base is not None and "growth" in measure else 0.0
        rule = period_rule(row["measure"] or measure, self.vocab)
        lo, hi = bounds(measure, unit, self.vocab)
        index = next(i for i, m in enumerate(self.by_label[label]) if m is mapping)
        return Decision(index, measure, unit, offset, rule, lo, hi, converted_from)

    def log_converted(self, row: dict[str, Any], decision: Decision, series: int) -> None:
        assert decision.converted_from is not None
        mapping = self.by_label[row["reg_label"]][decision.index]
        log.warning(
            "%s: %s%s published in %s, not %s: loaded with multiplier %g (unit_change: convert)",
            self.source.id, mapping.label, f" and {series - 1} more series alike" if series > 1 else "",
            decision.unit.raw, decision.converted_from.raw, decision.unit.multiplier,
        )  # fmt: skip

    def unit_for(
        self, mapping: IndicatorMapping, measure: str, found: Unit | None, row: dict[str, Any]
    ) -> tuple[Unit, Unit | None]:
        """The unit a figure is loaded in: as found, checked against the declared or the last loaded one;
        and that reference, where the entry's `unit_change: convert` loads a different one."""
        if self.vocab.measures[measure].is_percent:
            return (found if found is not None and is_percent_unit(found) else PERCENT), None
        declared = parse_unit(mapping.unit) if mapping.unit else None
        reference = declared or self.history.get((mapping.code, measure))
        if found is None:
            if reference is None:
                raise ReleaseError(
                    where_of(self.source, self.ctx, row),
                    f"no unit for {mapping.label}",
                    "a unit in the file (a 单位 line or column, brackets) or `unit` in the source registry",
                )
            return reference, None
        if reference is not None and not _same_unit(found, reference):
            said = "as declared in the source registry" if declared else "as in the releases loaded before"
            if mapping.unit_change == "convert" and _dimension(found) == _dimension(reference):
                return found, reference
            raise ReleaseError(
                where_of(self.source, self.ctx, row),
                f"unit of {mapping.label} changed to {found.raw!r}",
                f"{reference.raw!r} {said} (or `unit_change: convert` to load it in the new unit)",
            )
        return found, None
