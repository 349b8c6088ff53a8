"""Expectation suites as code, one per dataset, named after it.

Each builder takes what it needs to know about the run (the catalog's target ids, the allowed statuses)
and returns a GX ExpectationSuite. They are plain functions so tests can build and inspect them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe

from ingest.registry import MEASURES


@dataclass(frozen=True)
class SuiteContext:
    """What the suites check against, read from the build before validating."""

    target_ids: Sequence[str]
    statuses: Sequence[str]
    as_of_months: int


def raw_observations(ctx: SuiteContext) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="raw_observations")
    key = [
        "source_id",
        "indicator_code",
        "region_code",
        "period_year",
        "period_start_month",
        "period_end_month",
        "measure",
        "release_sha256",
    ]
    for column in key:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=key))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="measure", value_set=list(MEASURES)))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="period_start_month", min_value=1, max_value=12))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="period_end_month", min_value=1, max_value=12))
    suite.add_expectation(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period_end_month", column_B="period_start_month", or_equal=True
        )
    )
    # growth rates beyond ±100% in a district's headline indicators are a unit or decimal error
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(
            column="value",
            min_value=-100,
            max_value=100,
            row_condition='measure.str.endswith("growth_pct")',
            condition_parser="pandas",
        )
    )
    return suite


def fct_target_progress(ctx: SuiteContext) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="fct_target_progress")
    for column in ("target_id", "as_of_month", "status", "status_label_zh", "status_reason"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=["target_id", "as_of_month"]))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(ctx.statuses)))
    suite.add_expectation(gxe.ExpectColumnDistinctValuesToEqualSet(column="target_id", value_set=list(ctx.target_ids)))
    expected_rows = len(ctx.target_ids) * ctx.as_of_months
    suite.add_expectation(gxe.ExpectTableRowCountToEqual(value=expected_rows))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="time_benchmark", min_value=0, max_value=1))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="completion_rate", min_value=0, max_value=20))
    return suite


@dataclass(frozen=True)
class Dataset:
    """A dataset to validate: the query that reads it from the build file and its suite."""

    name: str
    query: str
    suite: Callable[[SuiteContext], gx.ExpectationSuite]


DATASETS: tuple[Dataset, ...] = (
    Dataset("raw_observations", "select * from staging.stg_ingest__observations", raw_observations),
    Dataset("fct_target_progress", "select * from marts.fct_target_progress", fct_target_progress),
)
