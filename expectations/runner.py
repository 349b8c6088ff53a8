"""Run the suites and the data-quality rules against the build file before anything is published.

GX's SQL data source on DuckDB fails every expectation with an IndexError (it reads results after the
connection is returned to the pool), so each dataset is read into a DataFrame from a read-only DuckDB
connection and validated with GX's pandas data source. Results are rendered as GX Data Docs (static HTML)
and returned as rows for the quality table of the serving warehouse.

A night of new data validates of a changed source only the rows of its new releases (expectations/earlier.py);
a result row then says in its detail which rows it covers, and the Data Docs asset is named after them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from core.contracts import (
    RAW_ALIAS,
    STAGING_OBSERVATIONS,
    STATUS_RULES,
    TARGET_MONTHS,
    TARGET_PROGRESS,
)
from core.settings import duckdb_limits
from expectations.data_docs import build_data_docs
from expectations.earlier import (
    EarlierValidation,
    NewFigures,
    NewRows,
    check_keys,
    new_figures,
    new_rows,
    per_release,
)
from expectations.quality_rules import evaluate, figure_sources, load_rules, rule_digest, source_freshness
from expectations.results import CheckResult, ValidationReport, check_of, merge
from expectations.suites import (
    MART_KEYS,
    PROGRESS_COLUMNS,
    RAW_COLUMNS,
    UNBANDED,
    SuiteContext,
    fct_target_progress,
    keyed_mart,
    raw_source,
)
from ingest.registry import Source

log = logging.getLogger(__name__)
BATCH_ROWS = 500_000  # figures of a raw source in one DataFrame (about 150 MB of pandas)


@dataclass(frozen=True)
class Dataset:
    name: str
    query: str
    params: list[Any]
    suite: Callable[[SuiteContext], Any]
    batched: bool = False  # validated in batches of whole months when large (its suite is per figure)
    source_id: str | None = None  # a raw source's dataset: the source whose figures it is


def _previous_rows(serving_db: Path | None, names: list[str]) -> dict[str, float]:
    """Rows of each mart in the serving file, per as-of month where the mart has as-of months."""
    if serving_db is None or not serving_db.exists():
        return {}
    with duckdb.connect(str(serving_db), read_only=True) as con:
        columns = dict(
            con.execute(
                "select table_name, list(column_name) from duckdb_columns() "
                "where schema_name = 'marts' group by 1"
            ).fetchall()
        )
        counts: dict[str, float] = {}
        for name in names:
            if name not in columns:
                continue
            if "as_of_month" in columns[name]:
                sql = f'select count(*) / greatest(count(distinct as_of_month), 1) from marts."{name}"'
            else:
                sql = f'select count(*) from marts."{name}"'
            row = con.execute(sql).fetchone()
            if row:
                counts[name] = float(row[0])
        return counts


def datasets_for(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> list[Dataset]:
    datasets = [
        Dataset(
            f"raw_{s.id}",
            f"select {', '.join(RAW_COLUMNS)} from {STAGING_OBSERVATIONS} where source_id = ?",
            [s.id],
            partial(raw_source, s),
            batched=True,
            source_id=s.id,
        )
        for s in figure_sources(sources)  # bureau returns keep records in tables of their own, not figures
    ]
    datasets.append(
        Dataset(
            "fct_target_progress",
            f"select {', '.join(PROGRESS_COLUMNS)} from {TARGET_PROGRESS}",
            [],
            fct_target_progress,
        )
    )
    columns = con.execute(
        "select table_name, list(column_name) from duckdb_columns() where schema_name = 'marts' group by 1"
    ).fetchall()
    present = {name: set(cols) for name, cols in columns}
    for name, key in MART_KEYS.items():
        if name in present and set(key) <= present[name]:
            keys = ", ".join(f'"{c}"' for c in key)  # the suite checks the key and counts rows
            suite = keyed_mart(name, key, banded=name not in UNBANDED)
            datasets.append(Dataset(name, f'select {keys} from marts."{name}"', [], suite))
    return datasets


def validate_build(
    build_db: Path,
    raw_db: Path,
    *,
    sources: dict[str, Source],
    rules_file: Path,
    as_of: date,
    serving_db: Path | None = None,
    data_docs_dir: Path | None = None,
    today: date | None = None,
    datasets: Collection[str] | None = None,
    earlier: EarlierValidation | None = None,
) -> ValidationReport:
    """Validate the datasets (every one, or those named in `datasets`) and every rule; raw is attached
    read-only under the name staging views expect. The quality rules and source freshness, plain SQL,
    always run; GX is imported only when there is a dataset to validate (importing it costs
    about 3 s, see benchmarks/README.md). With `earlier`, a raw source's suite reads only the rows of the
    releases new since that validation (`NewRows`); a source with none new keeps its earlier results, and
    a SQL rule of a kind decided group by group rechecks only the groups of those releases (`NewFigures`)."""
    with duckdb.connect(str(build_db), read_only=True, config=duckdb_limits()) as con:
        con.execute(f"attach '{raw_db}' as {RAW_ALIAS} (read_only)")
        chosen = [ds for ds in datasets_for(con, sources) if datasets is None or ds.name in datasets]
        new = new_rows(con, chosen, earlier) if earlier is not None else {}
        chosen = [ds for ds in chosen if ds.name not in new or new[ds.name].shas]
        suite_ctx = _suite_context(con, [ds.name for ds in chosen], serving_db)
        figures = new_figures(con, earlier) if earlier is not None else None
        report = ValidationReport([], datasets={ds.name for ds in chosen})
        report.checks += _rule_checks(con, rules_file, sources, as_of, today or date.today(), figures, report)
        context = _run_suites(con, chosen, suite_ctx, report, new) if chosen else None
    if context is not None and data_docs_dir is not None:
        report.data_docs = build_data_docs(context, data_docs_dir)
    return report


def _frames(con: duckdb.DuckDBPyConnection, ds: Dataset) -> Iterator[Any]:
    """The dataset as DataFrames: whole, or (a large batched one) in runs of whole months of at most
    BATCH_ROWS figures, so that memory does not grow with the years of history."""
    if not ds.batched:
        yield con.execute(ds.query, ds.params).df()
        return
    months = con.execute(
        f"select period_year * 100 + period_end_month, count(*) from ({ds.query}) group by 1 order by 1",
        ds.params,
    ).fetchall()
    if sum(n for _, n in months) <= BATCH_ROWS:
        yield con.execute(ds.query, ds.params).df()
        return
    batch: list[int] = []
    rows = 0
    for month, n in [*months, (None, BATCH_ROWS + 1)]:
        if batch and rows + n > BATCH_ROWS:
            yield con.execute(
                f"select * from ({ds.query}) where list_contains(?, period_year * 100 + period_end_month)",
                [*ds.params, batch],
            ).df()
            batch, rows = [], 0
        if month is not None:
            batch.append(month)
            rows += n


def _forget_batches(source: Any) -> None:
    """Drop the DataFrames GX's pandas execution engine keeps after a validation: its batch cache holds the
    last frame of every asset it has validated, so the process grew by a frame per dataset (at 10x from
    0.43 to 1.25 GB over 22 datasets; at 100x, where a frame is 500,000 figures, likely most of the step's
    4.18 GB peak)."""
    manager = source.get_execution_engine().batch_manager
    manager.reset_batch_cache()
    manager.batch_data_cache.clear()


def _suite_context(con: duckdb.DuckDBPyConnection, names: list[str], serving_db: Path | None) -> SuiteContext:
    grid = con.execute(
        f"select list(distinct target_id order by target_id), count(*), count(distinct as_of_month) "
        f"from {TARGET_MONTHS}"
    ).fetchone()
    targets, target_months, months = grid if grid else ([], 0, 0)
    statuses = [r[0] for r in con.execute(f"select status from {STATUS_RULES}").fetchall()]
    per_month = frozenset(
        r[0]
        for r in con.execute(
            "select distinct table_name from duckdb_columns() "
            "where schema_name = 'marts' and column_name = 'as_of_month'"
        ).fetchall()
    )
    # only marts whose size is checked need the previous publish counted (event logs are not)
    marts = [name for name in names if not name.startswith("raw_") and name not in UNBANDED]
    return SuiteContext(
        targets or [],
        statuses,
        int(target_months),
        int(months),
        _previous_rows(serving_db, marts),
        per_month=per_month,
    )


def _rule_checks(
    con: duckdb.DuckDBPyConnection,
    rules_file: Path,
    sources: dict[str, Source],
    as_of: date,
    today: date,
    new: NewFigures | None,
    report: ValidationReport,
) -> list[CheckResult]:
    """Every rule's result (its detail names the digest of the definition it was evaluated with, for a
    later night to know it: earlier.RULE_DEFINITION), then every source's freshness. With `new`, the
    rules that may recheck only the groups of the new releases do (quality_rules.evaluate)."""
    checks = []
    for rule in load_rules(rules_file):
        started = time.perf_counter()
        result = evaluate(con, rule, sources, as_of, today, new)
        checks.append(
            CheckResult(
                dataset="quality_rules",
                check=rule.id,
                column=None,
                success=not result.failing,
                failing_rows=len(result.failing),
                sample=[tuple(str(v) for v in row) for row in result.failing[:5]],
                severity=rule.severity,
                detail=f"{rule.description_zh}(规则定义 {rule_digest(rule)})",
                scope=result.scope,
            )
        )
        if result.figures is not None:
            report.rule_figures[rule.id] = result.figures
        log.info(
            "rule %s: %d failing rows%s in %.1f s",
            rule.id,
            len(result.failing),
            f" ({result.scope})" if result.scope else "",
            time.perf_counter() - started,
        )
    checks += [
        CheckResult(
            dataset=f"raw_{source_id}",
            check="source_freshness",
            column=None,
            success=passed,
            failing_rows=None,
            severity=severity,
            detail=detail,
        )
        for source_id, severity, passed, detail in source_freshness(con, sources, as_of)
    ]
    return checks


def _run_suites(
    con: duckdb.DuckDBPyConnection,
    chosen: list[Dataset],
    suite_ctx: SuiteContext,
    report: ValidationReport,
    new: Mapping[str, NewRows],
) -> Any:
    """Run each dataset's suite on its DataFrames (of a dataset in `new`, its new rows only, if its suite
    allows); returns the GX context (for Data Docs)."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="build")
    for ds in chosen:
        started = time.perf_counter()
        expectations = ds.suite(suite_ctx)
        part = new.get(ds.name)
        if part is not None and not per_release(expectations):
            log.info(
                "%s: a check of its suite is not decided by each release alone: validated whole", ds.name
            )
            part = None
        if part is not None and check_keys(expectations) != part.earlier:
            log.info("%s: its suite's checks differ from the earlier results': validated whole", ds.name)
            part = None
        # the Data Docs name the rows a partial validation read
        asset = f"{ds.name}.new_since_{part.publish_id}" if part else ds.name
        batch_def = source.add_dataframe_asset(name=asset).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(expectations)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=asset, data=batch_def, suite=suite)
        )
        merged: list[CheckResult] = []
        rows = 0
        for frame in _frames(con, part.of(ds) if part else ds):
            result = definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
            found = [check_of(ds.name, r) for r in result.results]
            merged = [merge(a, b) for a, b in zip(merged, found, strict=True)] if merged else found
            rows += len(frame)
        frame = None  # not kept while the next dataset's first frame is read
        _forget_batches(source)
        if part is not None:
            merged = [replace(c, scope=part.describe()) for c in merged]
            report.scopes[ds.name] = part.describe()
        report.checks.extend(merged)
        report.rows_read[ds.name] = rows
        log.info(
            "%s: %d rows validated%s in %.1f s",
            ds.name, rows, f" ({part.describe()})" if part else "", time.perf_counter() - started,
        )  # fmt: skip
    return context
