"""Run the suites against the build file before anything is published.

GX's SQL data source on DuckDB fails every expectation with an IndexError (it reads results after the
connection is returned to the pool), so each dataset is read into a DataFrame from a read-only DuckDB
connection and validated with GX's pandas data source.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from expectations.suites import DATASETS, Dataset, SuiteContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    dataset: str
    check: str
    column: str | None
    success: bool
    failing_rows: int | None
    sample: list[Any] = field(default_factory=list)
    observed: Any = None

    def describe(self) -> str:
        where = f"{self.dataset}.{self.column}" if self.column else self.dataset
        text = f"{where}: {self.check} failed"
        if self.failing_rows is not None:
            text += f" for {self.failing_rows} rows"
        if self.sample:
            text += f", e.g. {self.sample[:5]}"
        if self.observed is not None and self.failing_rows is None:
            text += f" (observed {self.observed})"
        return text


@dataclass
class ValidationReport:
    checks: list[CheckResult]

    @property
    def success(self) -> bool:
        return all(c.success for c in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success]

    def summary(self) -> str:
        if self.success:
            return f"validation passed: {len(self.checks)} checks"
        lines = [f"validation failed: {len(self.failures)} of {len(self.checks)} checks"]
        lines += [f"  - {c.describe()}" for c in self.failures]
        return "\n".join(lines)


def read_context(con: duckdb.DuckDBPyConnection) -> SuiteContext:
    targets = [r[0] for r in con.execute("select target_id from reference.plan_targets order by 1").fetchall()]
    statuses = [r[0] for r in con.execute("select status from config.status_rules").fetchall()]
    months = con.execute("select count(*) from intermediate.int_as_of_months").fetchone()
    return SuiteContext(target_ids=targets, statuses=statuses, as_of_months=int(months[0]) if months else 0)


def validate_build(build_db: Path, raw_db: Path, datasets: tuple[Dataset, ...] = DATASETS) -> ValidationReport:
    """Validate every dataset; raw is attached read-only under the name the staging views expect."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with duckdb.connect(str(build_db), read_only=True) as con:
        con.execute(f"attach '{raw_db}' as raw (read_only)")
        suite_ctx = read_context(con)
        frames = {ds.name: con.execute(ds.query).df() for ds in datasets}

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="build")
    checks: list[CheckResult] = []
    for ds in datasets:
        batch_def = source.add_dataframe_asset(name=ds.name).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(ds.suite(suite_ctx))
        batch = batch_def.get_batch(batch_parameters={"dataframe": frames[ds.name]})
        result = batch.validate(suite, result_format="SUMMARY")
        for r in result.results:
            cfg = r.expectation_config
            assert cfg is not None
            kwargs = cfg.kwargs
            column = kwargs.get("column") or (",".join(kwargs["column_list"]) if "column_list" in kwargs else None)
            checks.append(
                CheckResult(
                    dataset=ds.name,
                    check=cfg.type,
                    column=column,
                    success=bool(r.success),
                    failing_rows=r.result.get("unexpected_count"),
                    sample=list(r.result.get("partial_unexpected_list") or [])[:5],
                    observed=r.result.get("observed_value"),
                )
            )
        log.info("%s: %d rows validated", ds.name, len(frames[ds.name]))
    return ValidationReport(checks)
