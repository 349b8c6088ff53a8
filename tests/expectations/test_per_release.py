"""Which suites may be validated on the rows of a source's new releases alone (expectations.earlier)."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe
import pytest

from expectations.earlier import per_release
from expectations.quality_rules import figure_sources
from expectations.suites import SuiteContext, raw_source
from ingest.registry import load_registry
from tests.conftest import REPO


@pytest.fixture(scope="module")
def context() -> None:
    gx.get_context(mode="ephemeral")  # a suite takes expectations only once a context exists


def test_every_raw_suite_is_decided_by_each_release_alone(context: None) -> None:
    ctx = SuiteContext([], [], 0)
    sources = figure_sources(load_registry(REPO / "config" / "sources"))
    assert sources and all(per_release(raw_source(s, ctx)) for s in sources)


@pytest.mark.parametrize(
    "expectation",
    [
        gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=10),  # a band on new rows would be wrong
        gxe.ExpectColumnDistinctValuesToEqualSet(column="indicator_code", value_set=["a"]),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["indicator_code", "region_code"]),  # across releases
        gxe.ExpectColumnValuesToNotBeNull(column="value", mostly=0.95),  # a share of every row
        gxe.ExpectColumnValuesToBeIncreasing(column="period_year"),  # an order across rows
    ],
)
def test_a_check_about_the_whole_source_makes_it_validated_whole(context: None, expectation: object) -> None:
    suite = gx.ExpectationSuite(name="x")
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=["region_code", "release_sha256"]))
    assert per_release(suite)
    suite.add_expectation(expectation)
    assert not per_release(suite)
