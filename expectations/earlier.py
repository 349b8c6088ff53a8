"""What a night of new data keeps of the served publish's validation, and which rows it reads again.

A changed source's raw suite reads only the rows of the releases whose loads the served publish did not
have (`new_rows`), when every expectation of the suite is decided by the rows of each release alone
(`per_release`) and that publish's results for it all passed with the same checks (`earlier_checks`);
the datasets not validated again keep the publish's results (`carried_results`). expectations/runner.py
runs the suites.

The SQL rules whose verdicts are decided group by group (expectations/quality_rules.py, GROUPS) recheck,
under the same conditions, only the groups that hold a figure of those releases (`new_figures`): when no
load the publish had is gone since, and that publish's result for the rule passed with the same
definition of the rule (`earlier_rules`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from core.contracts import QUALITY_RESULTS, RAW_ALIAS

if TYPE_CHECKING:
    from expectations.runner import Dataset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EarlierValidation:
    """The validation of the publish being served: per figure source, the loads (release_no) that were
    current when it was built (its fingerprint), and its quality table, where each raw suite's results
    cover those loads' rows. Every result there passed, or it would not have been published."""

    publish_id: str
    loads: Mapping[str, Collection[int]]
    serving_db: Path


@dataclass(frozen=True)
class NewRows:
    """The rows of a raw dataset to validate on a night of new data: those of the releases new since the
    earlier validation."""

    shas: list[str]
    releases: int
    rows: int  # rows of those releases, as loaded
    total: int  # rows of the source's current releases, as loaded
    publish_id: str
    earlier: Counter[tuple[str, str | None]]  # (check, column) of the results kept for the older rows

    def describe(self) -> str:
        return (
            f"rows of the {self.releases} release(s) loaded since publish {self.publish_id}: "
            f"{self.rows} of {self.total} rows validated now; the other rows passed this check "
            f"in publish {self.publish_id}"
        )

    def of(self, ds: Dataset) -> Dataset:
        return replace(
            ds, query=f"{ds.query} and list_contains(?, release_sha256)", params=[*ds.params, self.shas]
        )


@dataclass(frozen=True)
class NewFigures:
    """The releases of figures new since the earlier validation, for the SQL rules: a rule whose earlier
    result passed with the same definition (`passed`) rechecks only the groups these releases touch."""

    shas: list[str]
    publish_id: str
    passed: Mapping[str, str]  # rule id -> the digest of its definition, of each rule whose result passed

    def describe(self, figures: int) -> str:
        return (
            f"rows of the {len(self.shas)} release(s) loaded since publish {self.publish_id}: "
            f"the {figures} figures of the groups they touch rechecked now; the other groups passed "
            f"this check in publish {self.publish_id}"
        )


# expectations decided by each row alone; with the uniqueness of a key that holds the release (below),
# what a raw suite may hold for its new releases' rows to stand for the whole source
ROW_WISE = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_values_to_match_regex",
    }
)
UNIQUE = frozenset({"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"})


def new_rows(
    con: duckdb.DuckDBPyConnection, chosen: list[Dataset], earlier: EarlierValidation
) -> dict[str, NewRows]:
    """The raw datasets whose older rows the earlier validation covers, with their new releases' rows.

    New rows are those of every release (sha256) with a current load the earlier publish did not have:
    the raw suites' key holds the release, so whole releases are read, and an older load of the same
    file, if one is still current, is read again with it. A dataset with no earlier results, or one that
    did not pass, is validated whole."""
    passed = earlier_checks(earlier.serving_db)
    out: dict[str, NewRows] = {}
    for ds in chosen:
        if ds.source_id is None or ds.source_id not in earlier.loads or ds.name not in passed:
            continue
        row = con.execute(
            f"""
            with current_loads as (
                select release_no, sha256, row_count from {RAW_ALIAS}.main.release_history
                where source_id = ? and withdrawn_at is null
            ),
            new_releases as (
                select distinct sha256 from current_loads where not list_contains(?, release_no)
            )
            select (select coalesce(list(sha256 order by sha256), []) from new_releases),
                   coalesce(sum(row_count) filter (where sha256 in (select sha256 from new_releases)), 0),
                   coalesce(sum(row_count), 0)
            from current_loads
            """,
            [ds.source_id, list(earlier.loads[ds.source_id])],
        ).fetchone()
        assert row is not None
        shas, rows, total = row
        out[ds.name] = NewRows(
            list(shas), len(shas), int(rows), int(total), earlier.publish_id, passed[ds.name]
        )
    return out


def new_figures(con: duckdb.DuckDBPyConnection, earlier: EarlierValidation) -> NewFigures | None:
    """The releases (sha256) of every current load the earlier validation did not have, as in `new_rows`
    but of every source: a rule joins figures across sources. None (the rules are evaluated whole) if a
    load the earlier validation had is no longer current: its figures left the groups they were in."""
    keys = [f"{source}:{no}" for source, loads in earlier.loads.items() for no in loads]
    row = con.execute(
        f"""
        with current_loads as (
            select source_id || ':' || release_no as load_key, sha256 from {RAW_ALIAS}.main.release_history
            where withdrawn_at is null
        )
        select (select count(*) from unnest($keys) as e(load_key) anti join current_loads using (load_key)),
               (select coalesce(list(sha256 order by sha256), []) from (
                    select distinct sha256 from current_loads where not list_contains($keys, load_key)))
        """,
        {"keys": keys},
    ).fetchone()
    assert row is not None
    gone, shas = row
    if gone:
        log.info(
            "%d load(s) of publish %s are no longer current: rules evaluated whole", gone, earlier.publish_id
        )
        return None
    return NewFigures(list(shas), earlier.publish_id, earlier_rules(earlier.serving_db))


RULE_DEFINITION = re.compile(r"规则定义 ([0-9a-f]{12})")


def served_quality(serving_db: Path, sql: str) -> list[tuple]:
    """The rows `sql` finds in the serving warehouse's quality table; none without the file or the table."""
    if not serving_db.exists():
        return []
    with duckdb.connect(str(serving_db), read_only=True) as con:
        if not has_quality_table(con):
            return []
        return con.execute(sql).fetchall()


def earlier_rules(serving_db: Path) -> dict[str, str]:
    """Per SQL rule whose result in the serving warehouse passed: the digest of the definition it was
    evaluated with (its detail names it, `RULE_DEFINITION`); a result without one is not kept."""
    rows = served_quality(
        serving_db,
        f"select check_name, any_value(detail) from {QUALITY_RESULTS} where dataset = 'quality_rules' "
        "group by 1 having bool_and(passed)",
    )
    found = {check: RULE_DEFINITION.search(detail or "") for check, detail in rows}
    return {check: match.group(1) for check, match in found.items() if match}


def earlier_checks(serving_db: Path) -> dict[str, Counter[tuple[str, str | None]]]:
    """Per raw dataset whose every suite result in the serving warehouse passed: (check, column) of each."""
    rows = served_quality(
        serving_db,
        f"select dataset, check_name, column_name, passed from {QUALITY_RESULTS} "
        "where starts_with(dataset, 'raw_') and check_name <> 'source_freshness'",
    )
    checks: dict[str, Counter[tuple[str, str | None]]] = {}
    failed: set[str] = set()
    for dataset, check, column, ok in rows:
        checks.setdefault(dataset, Counter())[(check, column)] += 1
        if not ok:
            failed.add(dataset)
    return {name: keys for name, keys in checks.items() if name not in failed}


def per_release(suite: Any) -> bool:
    """Every expectation is decided by the rows of each release alone: row by row, or a key unique
    within the release (the raw key holds release_sha256). Not a row count, a set of distinct values or
    a uniqueness across releases: those need every row of the source."""
    for expectation in suite.expectations:
        cfg = expectation.configuration
        if cfg.kwargs.get("mostly", 1) != 1:  # a share of the rows: of the new ones, not of the source's
            return False
        if cfg.type in ROW_WISE:
            continue
        if cfg.type in UNIQUE and "release_sha256" in (cfg.kwargs.get("column_list") or []):
            continue
        return False
    return True


def check_keys(suite: Any) -> Counter[tuple[str, str | None]]:
    return Counter((e.configuration.type, column_of(e.configuration.kwargs)) for e in suite.expectations)


def has_quality_table(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a serving file holds the quality table (a publish before it existed does not)."""
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        QUALITY_RESULTS.split("."),
    ).fetchone()
    return bool(found and found[0])


def carried_results(serving_db: Path, validated: Collection[str]) -> list[dict[str, Any]]:
    """The serving warehouse's check results of the datasets not validated again this night (their data
    did not change), as rows for the next quality table. Rules and freshness are always run again."""
    if not serving_db.exists():
        return []
    with duckdb.connect(str(serving_db), read_only=True) as con:
        if not has_quality_table(con):
            return []
        cursor = con.execute(
            f"select * from {QUALITY_RESULTS} where dataset <> 'quality_rules' "
            "and check_name <> 'source_freshness' and not list_contains(?, dataset)",
            [sorted(validated)],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def column_of(kwargs: Any) -> str | None:
    """The column (or columns, joined) an expectation's arguments name."""
    return kwargs.get("column") or (",".join(kwargs["column_list"]) if "column_list" in kwargs else None)
