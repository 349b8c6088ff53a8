"""What validation reports: one result per check (a GX expectation, a SQL quality rule, freshness), and
the report of a night's validation, whose rows become the serving warehouse's quality table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from expectations.earlier import column_of


@dataclass(frozen=True)
class CheckResult:
    dataset: str
    check: str
    column: str | None
    success: bool
    failing_rows: int | None
    sample: list[Any] = field(default_factory=list)
    observed: Any = None
    severity: str = "blocking"
    detail: str | None = None
    scope: str | None = None  # the rows the result covers, when not the whole dataset

    def describe(self) -> str:
        where = f"{self.dataset}.{self.column}" if self.column else self.dataset
        text = f"{where}: {self.check} failed"
        if self.failing_rows is not None:
            text += f" for {self.failing_rows} rows"
        if self.sample:
            text += f", e.g. {self.sample[:5]}"
        if self.observed is not None and self.failing_rows is None:
            text += f" (observed {self.observed})"
        if self.detail:
            text += f" [{self.detail}]"
        if self.scope:
            text += f" ({self.scope})"
        return text

    def as_row(self, validated_at: datetime) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "check_name": self.check,
            "column_name": self.column,
            "severity": self.severity,
            "passed": self.success,
            "failing_rows": self.failing_rows,
            "sample": str(self.sample[:5]) if self.sample else None,
            "detail": "; ".join(
                filter(
                    None,
                    [self.scope, self.detail or (str(self.observed) if self.observed is not None else None)],
                )
            )
            or None,
            "validated_at": validated_at,
        }


@dataclass
class ValidationReport:
    checks: list[CheckResult]
    validated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    data_docs: str | None = None
    datasets: set[str] = field(default_factory=set)  # datasets whose suites ran
    rows_read: dict[str, int] = field(default_factory=dict)  # dataset -> rows its suite read
    scopes: dict[str, str] = field(default_factory=dict)  # dataset -> the rows read, if not all of it
    rule_figures: dict[str, int] = field(default_factory=dict)  # rule -> figures read, if not all of them

    @property
    def success(self) -> bool:
        return not self.blocking_failures

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and c.severity == "blocking"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success and c.severity == "warning"]

    def summary(self) -> str:
        head = (
            f"validation passed: {len(self.checks)} checks, {len(self.warnings)} warnings"
            if self.success
            else f"validation failed: {len(self.blocking_failures)} blocking of {len(self.checks)} checks"
        )
        lines = [head]
        lines += [f"  - {c.describe()}" for c in self.blocking_failures]
        lines += [f"  - warning: {c.describe()}" for c in self.warnings]
        return "\n".join(lines)

    def rows(self) -> list[dict[str, Any]]:
        return [c.as_row(self.validated_at) for c in self.checks]


def check_of(dataset: str, r: Any) -> CheckResult:
    """One GX expectation's result as a check result."""
    cfg = r.expectation_config
    assert cfg is not None
    return CheckResult(
        dataset=dataset,
        check=cfg.type,
        column=column_of(cfg.kwargs),
        success=bool(r.success),
        failing_rows=r.result.get("unexpected_count"),
        sample=list(r.result.get("partial_unexpected_list") or [])[:5],
        observed=r.result.get("observed_value"),
    )


def merge(a: CheckResult, b: CheckResult) -> CheckResult:
    """One expectation over two batches of the same dataset."""
    failing = (
        None
        if a.failing_rows is None and b.failing_rows is None
        else (a.failing_rows or 0) + (b.failing_rows or 0)
    )
    return CheckResult(
        dataset=a.dataset,
        check=a.check,
        column=a.column,
        success=a.success and b.success,
        failing_rows=failing,
        sample=(a.sample + b.sample)[:5],
        observed=b.observed if b.observed is not None else a.observed,
    )
