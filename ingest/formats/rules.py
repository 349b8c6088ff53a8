"""Rules every figure obeys whatever its format: its measure from its unit, its period, its bounds.

The measure rules are data in the vocabulary (dbt_project/seeds/vocabulary/measures.csv):
`count_measure` is what a value column's figure becomes when its row is counted in 家, 个, 套 ...
(a 本年累计完成 column holding 套 rows next to 公里 rows: the 套 rows are count_ytd, which is how count
targets are measured); `growth_measure` is what it becomes when its row is a percentage labelled as a
growth (增长, 增速); any other percentage in a value column is a rate (rate_pct). `catalog_measures`
names the plan catalog's measures (plan_targets.csv `measure`) that read a figure of this measure.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass

from core.errors import ConfigError
from core.vocabulary import Vocabulary, vocabulary, vocabulary_dir
from ingest.normalise import Period, Unit

GROWTH_RE2 = r"增长|增速|增幅|增减|同比"  # the same in RE2 (pyarrow) as in Python's re: literals only
_GROWTH_WORDS = re.compile(GROWTH_RE2)
# dimensions whose levels can be negative: money (a loss, a deficit) and changes of a ratio; every other
# level (counts, people, areas, masses, lengths, energy ...) is at least 0
_SIGNED_DIMENSIONS = frozenset({"money_cny", "money_usd", "ratio_change"})


@dataclass(frozen=True)
class MeasureRules:
    count_measure: dict[str, str]
    growth_measure: dict[str, str]
    catalog_measures: dict[str, tuple[str, ...]]


@functools.cache
def _rules(directory: str) -> MeasureRules:
    path = vocabulary_dir() / "measures.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot be read as a UTF-8 CSV ({exc})") from exc
    known = {r["measure"] for r in rows}
    count: dict[str, str] = {}
    growth: dict[str, str] = {}
    catalog: dict[str, tuple[str, ...]] = {}
    for i, row in enumerate(rows, start=2):
        for column, target in (("count_measure", count), ("growth_measure", growth)):
            value = (row.get(column) or "").strip()
            if value and value not in known:
                raise ConfigError(f"{path} row {i}: {column} {value!r} is not a measure of this file")
            if value:
                target[row["measure"]] = value
        catalog[row["measure"]] = tuple((row.get("catalog_measures") or "").split())
    return MeasureRules(count, growth, catalog)


def measure_rules() -> MeasureRules:
    return _rules(str(vocabulary_dir()))


def is_percent_unit(unit: Unit) -> bool:
    return unit.canonical in ("percent", "percentage_point")


def growth_words(label: str) -> bool:
    """Does a row's label name a growth (增长, 增速 ...)? What row_measure reads of the label."""
    return _GROWTH_WORDS.search(label) is not None


def row_measure(
    column_measure: str,
    unit: Unit | None,
    label: str,
    vocab: Vocabulary | None = None,
    rules: MeasureRules | None = None,
) -> str:
    """The measure of one figure: the column's, unless the row's unit says otherwise."""
    if unit is None:
        return column_measure
    vocab = vocab or vocabulary()
    rules = rules or measure_rules()
    if is_percent_unit(unit) and not vocab.measures[column_measure].is_percent:
        if growth_words(label) and column_measure in rules.growth_measure:
            return rules.growth_measure[column_measure]
        return "rate_pct"
    if unit.canonical == "count" and column_measure in rules.count_measure:
        return rules.count_measure[column_measure]
    return column_measure


def period_rule(measure: str, vocab: Vocabulary | None = None) -> str:
    """How a measure's period follows from the release's: january, period_end, quarter or as_published.

    A 统计月报 titled 1-9月 gives 累计 columns for 1-9 and 本月 columns for 9; a 当季值 (quarter_value) in a
    1-3季度 table is the third quarter, 7-9. quarter_value is told apart by name because the vocabulary's
    period_start has no value for "the quarter ending then" (dbt's accepted_values pins the three it has).
    """
    if measure == "quarter_value":
        return "quarter"
    return (vocab or vocabulary()).measures[measure].period_start


def apply_period_rule(rule: str, period: Period) -> Period:
    if rule == "january":
        return Period(period.year, 1, period.end_month)
    if rule == "period_end":
        return Period(period.year, period.end_month, period.end_month)
    if rule == "quarter":
        return Period(period.year, max(period.start_month, period.end_month - 2), period.end_month)
    return period


def bounds(measure: str, unit: Unit, vocab: Vocabulary | None = None) -> tuple[float, float]:
    """The range a figure of this measure and unit can take, as published (before the multiplier)."""
    vocab = vocab or vocabulary()
    if measure == "rate_pct":
        return 0.0, 100.0
    if vocab.measures[measure].is_percent:
        return -100.0, math.inf  # a fall of more than 100 % is not a growth rate
    dimension = _dimension(unit, vocab)
    return (-math.inf if dimension in _SIGNED_DIMENSIONS else 0.0), math.inf


def _dimension(unit: Unit, vocab: Vocabulary) -> str:
    try:
        return vocab.unit(unit.raw).dimension
    except ValueError:
        by_canonical = {u.canonical: u.dimension for u in vocab.units.values()}
        return by_canonical.get(unit.canonical, "")
