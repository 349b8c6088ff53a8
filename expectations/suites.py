"""Expectation suites as code, one per dataset, named after it.

Raw sources get one suite each (raw_<source_id>), built from their registry entry: the indicators and
measures it may carry, its units, its periods. Marts get a suite each. Builders are plain functions of a
SuiteContext so tests can build and inspect them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from core.vocabulary import vocabulary
from ingest.registry import Source

RAW_KEY = [
    "source_id",
    "indicator_code",
    "region_code",
    "period_year",
    "period_start_month",
    "period_end_month",
    "measure",
    "release_sha256",
]
RAW_COLUMNS = [*RAW_KEY, "unit", "value"]  # what the raw suites look at (validation reads only these)
PROGRESS_COLUMNS = ["target_id", "as_of_month", "status", "status_label_zh", "status_reason"]
PROGRESS_COLUMNS += ["time_benchmark", "completion_rate"]  # what fct_target_progress's suite looks at


# other marts validated when the build has them: name -> its key (unique, not null). Marts whose size follows the plan (targets, months, bureaus) must
# also stay near the previous publish's size; logs of events (status changes, returns as they arrive)
# grow or shrink with what happened, so their size is not checked (UNBANDED).
MART_KEYS: dict[str, list[str]] = {
    "dim_targets": ["target_id"],
    "dim_indicators": ["indicator_code"],
    "dim_bureaus": ["bureau_code"],
    "dim_plans": ["plan_id"],
    "dim_sources": ["source_id"],
    "fct_section_summary": ["plan_id", "section_no", "as_of_month"],
    "fct_bureau_summary": ["plan_id", "bureau_code", "as_of_month"],
    "fct_plan_summary": ["plan_id", "as_of_month"],
    "fct_target_data_coverage": ["target_id", "as_of_month"],
    "fct_status_changes": ["plan_id", "target_id", "as_of_month"],
    "fct_return_timeliness": ["plan_id", "bureau_code", "report_month"],
    "fct_progress_returns": ["return_sha256"],
}
UNBANDED = frozenset({"dim_sources", "fct_status_changes", "fct_return_timeliness", "fct_progress_returns"})


@dataclass(frozen=True)
class SuiteContext:
    """What the suites check against, read from the build and the previous publish before validating."""

    target_ids: Sequence[str]
    statuses: Sequence[str]
    target_months: int  # rows fct_target_progress must have: each target at each as-of month of its plan
    as_of_months: int = 1  # distinct as-of months in this build
    # mart -> rows per as-of month in the serving file (or all rows, for a mart without as-of months), so
    # that a back-dated run with fewer months is compared like for like with the previous publish
    previous_rows: dict[str, float] = field(default_factory=dict)
    row_band: float = 0.5  # a mart may shrink to half or grow to 1/0.5 = 2x of the previous publish
    per_month: frozenset[str] = frozenset()  # marts whose rows scale with the number of as-of months


def raw_source(source: Source, ctx: SuiteContext) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name=f"raw_{source.id}")
    for column in RAW_KEY:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=RAW_KEY))
    codes = [m.code for m in source.indicators]
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=codes))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="measure", value_set=list(vocabulary().measures))
    )
    canonical_units = sorted({unit.canonical for unit in vocabulary().units.values()})
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="unit", value_set=canonical_units))
    for column in ("period_start_month", "period_end_month"):
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=1, max_value=12))
    suite.add_expectation(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end_month", column_B="period_start_month", or_equal=True
        )
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="period_year", min_value=2000, max_value=2100)
    )
    # a district's growth rates beyond -100%..+300% are a unit or decimal-point error, not news
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=-100,
            max_value=300,
            row_condition=Column("measure").is_in(["ytd_growth_pct", "month_growth_pct"]),
        )
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=0,
            max_value=100,
            row_condition=Column("measure") == "rate_pct",
        )
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=0,
            row_condition=Column("measure").is_in(["ytd_value", "month_value", "level", "count_ytd"]),
        )
    )
    return suite


def _row_band(suite: gx.ExpectationSuite, name: str, ctx: SuiteContext) -> None:
    previous = ctx.previous_rows.get(name)
    if previous:
        expected = previous * ctx.as_of_months if name in ctx.per_month else previous
        suite.add_expectation(
            gxe.ExpectTableRowCountToBeBetween(
                min_value=int(expected * ctx.row_band), max_value=int(expected / ctx.row_band) + 1
            )
        )


def fct_target_progress(ctx: SuiteContext) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="fct_target_progress")
    for column in PROGRESS_COLUMNS[:5]:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=["target_id", "as_of_month"]))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(ctx.statuses)))
    suite.add_expectation(
        gxe.ExpectColumnDistinctValuesToEqualSet(column="target_id", value_set=list(ctx.target_ids))
    )
    suite.add_expectation(gxe.ExpectTableRowCountToEqual(value=ctx.target_months))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="time_benchmark", min_value=0, max_value=1)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="completion_rate", min_value=0, max_value=20)
    )
    _row_band(suite, "fct_target_progress", ctx)
    return suite


def keyed_mart(
    name: str, key: list[str], banded: bool = True
) -> Callable[[SuiteContext], gx.ExpectationSuite]:
    """A suite for any other mart: its key is unique and not null and, if banded, its size near the
    previous publish's."""

    def build(ctx: SuiteContext) -> gx.ExpectationSuite:
        suite = gx.ExpectationSuite(name=name)
        for column in key:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
        if len(key) == 1:
            suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column=key[0]))
        else:
            suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=key))
        if banded:
            _row_band(suite, name, ctx)
        return suite

    return build
