"""The steps of the nightly run, as plain functions the DAG's tasks call (and tests call directly).

Each step opens and closes its own DuckDB connections; nothing is held across steps, because every
Airflow task (and under `airflow dags test`, every task of the run in one process) must leave the files
free for the next writer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from core.errors import DataError
from core.settings import Settings, load_settings, parse_month
from ingest import raw_store
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import load_registry

log = logging.getLogger(__name__)


class ValidationFailed(DataError):
    """The build did not pass validation; nothing was published."""


PLAN_TIMEZONE = ZoneInfo("Asia/Shanghai")


def resolve_as_of(requested: str | None, logical_date: datetime | None, settings: Settings) -> str:
    """The as-of month: as requested, else the month before the logical date, else the demo setting.

    The month is the district's, not UTC's: the 02:00 run on 1 October is 18:00 UTC on 30 September,
    and its as-of month is September.
    """
    if requested:
        return f"{parse_month(requested):%Y-%m}"
    if logical_date is not None:
        local = logical_date.astimezone(PLAN_TIMEZONE) if logical_date.tzinfo else logical_date
        first = local.date().replace(day=1)
        prev = date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
        return f"{prev:%Y-%m}"
    return f"{settings.default_as_of():%Y-%m}"


def source_ids(settings: Settings | None = None) -> list[str]:
    settings = settings or load_settings()
    return sorted(load_registry(settings.sources_dir))


def ingest_one(source_id: str, as_of: str, settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or load_settings()
    source = load_registry(settings.sources_dir)[source_id]
    result = ingest_source(source, IngestPaths.from_settings(settings), parse_month(as_of))
    summary = asdict(result) | {"status": result.status}
    if result.rejected:
        raise SourceRejected(source_id, result.rejected, summary)
    return summary


class SourceRejected(DataError):
    def __init__(self, source_id: str, reasons: list[str], summary: dict[str, Any]) -> None:
        super().__init__(f"{source_id}: {len(reasons)} release(s) rejected: " + " | ".join(reasons))
        self.summary = summary


def ensure_raw(settings: Settings | None = None) -> None:
    """A new deployment has no raw file yet: create its tables so dbt can build 'no data' marts."""
    settings = settings or load_settings()
    with raw_store.connect(settings.raw_db):
        pass


def validate(as_of: str, settings: Settings | None = None) -> dict[str, Any]:
    """Validate the build; the results are kept for the publish step's quality table and Data Docs."""
    from expectations.runner import validate_build

    settings = settings or load_settings()
    report = validate_build(
        settings.build_db,
        settings.raw_db,
        sources=load_registry(settings.sources_dir),
        rules_file=settings.config_dir / "quality_rules.yml",
        as_of=parse_month(as_of),
        serving_db=settings.serving_db,
        data_docs_dir=settings.reports_dir / "data_docs",
    )
    log.info(report.summary())
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    checks_file = settings.runs_dir / "validation.json"
    checks_file.write_text(json.dumps(report.rows(), ensure_ascii=False, default=str), encoding="utf-8")
    if not report.success:
        raise ValidationFailed(report.summary())
    return {
        "checks": len(report.checks),
        "warnings": [c.describe() for c in report.warnings],
        "passed": True,
        "data_docs": report.data_docs,
    }


def publish(settings: Settings | None = None, *, allow_older: bool = True) -> dict[str, Any]:
    """Publish the validated build; allow_older=False refuses a build whose latest as-of month is
    older than the one being served (a cleared run of an earlier night must not turn the clock back)."""
    from publishing import publish as publishing

    settings = settings or load_settings()
    if not allow_older:
        publishing.refuse_older_build(settings.build_db, settings.serving_db)
    checks_file = settings.runs_dir / "validation.json"
    quality = json.loads(checks_file.read_text(encoding="utf-8")) if checks_file.exists() else []
    result = publishing.publish(
        settings.build_db, settings.serving_db, settings.published_dir, settings.keep_published, quality
    )
    summary = {"publish_id": result.publish_id, "serving_db": str(result.path)}
    try:  # the warehouse is already published: a failed export must not report it as not published
        summary["parquet"] = str(
            publishing.export_parquet(
                settings.serving_db, settings.warehouse_dir / "parquet", result.publish_id
            )
        )
    except (OSError, duckdb.Error) as exc:
        log.error("Parquet export failed (the warehouse itself was published): %s", exc)
        summary["parquet_error"] = str(exc)
    return summary


def report(as_of: str, settings: Settings | None = None) -> dict[str, Any]:
    from reporting import generate

    settings = settings or load_settings()
    return generate(settings.serving_db, parse_month(as_of), settings.reports_dir)


def write_run_summary(run_id: str, parts: dict[str, Any], settings: Settings | None = None) -> Path:
    settings = settings or load_settings()
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    summary = {"run_id": run_id, "finished_at": datetime.now(UTC).isoformat()} | parts
    path = settings.runs_dir / "latest.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return path
