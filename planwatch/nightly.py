"""The steps of the nightly run, as plain functions the DAG's tasks call (and tests call directly).

Each step opens and closes its own DuckDB connections (nothing is held across steps: every Airflow task,
and under `airflow dags test` every task of the run in one process, must leave the files free for the
next writer) and records what it did as a part of the run record (planwatch.runs). The next step reads
that record, never a file another step happened to leave behind.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from core import contracts
from core.errors import ConfigError, DataError, PlanwatchError, TransientError, UsageError, one_line
from core.faults import checkpoint
from core.settings import Settings, load_settings, parse_month
from ingest import raw_store
from ingest.errors import TransientFetchError
from ingest.paths import IngestPaths, deployment_umask
from ingest.pipeline import FetchResult, SourceResult, fetch_source, load_source
from ingest.registry import check_mappings, load_registry
from ingest.sandbox import ParseSandbox
from planwatch import policy
from planwatch.fingerprint import raw_fingerprint
from planwatch.incremental import InputsStore, ReportFiles, rebuilt_since_served
from planwatch.night_scope import earlier_validation, validation_scope
from planwatch.runs import (
    ExportOutcome,
    PublishOutcome,
    ReportOutcome,
    RunOutcome,
    RunStart,
    RunStore,
    SourceFetch,
    SourceLoad,
    StepSkipped,
    ValidationOutcome,
    now,
)

log = logging.getLogger(__name__)
FETCH_WORKERS = 8  # sources fetched side by side; downloads from one host are bounded by ingest itself


class ValidationFailed(DataError):
    """The build did not pass validation; nothing was published."""


class SourceRejected(DataError):
    """A source had releases rejected (quarantined); the others still loaded."""


class RunFailed(DataError):
    """The run as a whole failed: the message lists every failed step and its reason."""


def store(settings: Settings) -> RunStore:
    return RunStore(settings.runs_dir)


def resolve_as_of(requested: str | None, logical_date: datetime | None, settings: Settings) -> str:
    """The as-of month: as requested, else the month before the logical date, else the demo setting.

    The month is the district's, not UTC's: the 02:00 run on 1 October is 18:00 UTC on 30 September,
    and its as-of month is September.
    """
    if requested:
        return f"{parse_month(requested):%Y-%m}"
    if logical_date is not None:
        zone = ZoneInfo(settings.nightly().timezone)
        local = logical_date.astimezone(zone) if logical_date.tzinfo else logical_date
        first = local.date().replace(day=1)
        prev = date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
        return f"{prev:%Y-%m}"
    return f"{settings.default_as_of():%Y-%m}"


def check_configuration(settings: Settings) -> list[str]:
    """The checks `planwatch sources check` makes, made before anything is fetched: a wrong entry fails
    the night at once with the entry and field named, instead of half-way through."""
    sources = load_registry(settings.sources_dir)
    return check_mappings(sources, settings.dbt_project_dir / "seeds" / "indicators.csv")


def prepare(
    run_id: str,
    requested_as_of: str | None,
    logical_date: datetime | None,
    settings: Settings | None = None,
    dag_id: str = "planwatch_nightly",
    known_on: str | None = None,
) -> RunStart:
    settings = settings or load_settings()
    if known_on:
        try:
            date.fromisoformat(known_on)
        except ValueError:
            raise UsageError(f"known_on {known_on!r} must be a date YYYY-MM-DD") from None
    problems = check_configuration(settings)
    if problems:
        raise ConfigError("configuration invalid, nothing fetched: " + "; ".join(problems))
    with raw_store.connect(settings.raw_db):  # a new deployment: create the raw tables dbt reads
        pass
    start = RunStart(
        run_id=run_id,
        dag_id=dag_id,
        as_of=resolve_as_of(requested_as_of, logical_date, settings),
        as_of_explicit=bool(requested_as_of),
        known_on=known_on or None,
        started_at=now(),
        sources=sorted(load_registry(settings.sources_dir)),
    )
    store(settings).start(start)
    return start


def fetch_sources(run_id: str, settings: Settings | None = None) -> list[SourceFetch]:
    """Download and land every source's releases, sources side by side (no DuckDB: this runs outside the
    writers' pool, and ingest bounds the downloads per host). Each source's result is a part of the run
    record, so a source that fails is named and the others still load. Raises TransientFetchError after
    every other source has landed when one failed in a way a retry can mend."""
    settings = settings or load_settings()
    _apply_umask()
    runs = store(settings)
    start = _started(runs, run_id)
    registry = load_registry(settings.sources_dir)
    paths = IngestPaths.from_settings(settings)
    as_of = parse_month(start.as_of)

    def one(source_id: str) -> SourceFetch:
        try:
            result = fetch_source(registry[source_id], paths, as_of)
            part = SourceFetch(source_id=source_id, result=result.model_dump(mode="json"))
        except Exception as exc:  # one source's failure, whatever it is, must not stop the others
            retryable = bool(getattr(exc, "retryable", False))
            log.error("fetching %s failed: %s", source_id, one_line(exc), exc_info=not retryable)
            error = one_line(exc, 500) if isinstance(exc, PlanwatchError) else f"{type(exc).__name__}: {exc}"
            part = SourceFetch(source_id=source_id, error=one_line(error, 500), retryable=retryable)
        runs.fetched(run_id, part)
        return part

    with ThreadPoolExecutor(max_workers=FETCH_WORKERS, thread_name_prefix="fetch-sources") as pool:
        parts = list(pool.map(one, start.sources))
    transient = [p for p in parts if p.error and p.retryable]
    if transient:
        raise TransientFetchError("; ".join(f"{p.source_id}: {p.error}" for p in transient))
    return parts


def load_sources(run_id: str, settings: Settings | None = None) -> list[SourceLoad]:
    """Parse and load what fetch_sources landed into the raw file (the writers' pool holds this step),
    then record the raw layer's state for the night's plan. A source whose fetch failed is recorded as
    not loaded; rejected releases fail the step after every other source has loaded."""
    settings = settings or load_settings()
    _apply_umask()
    runs = store(settings)
    record = runs.load(run_id)
    start = _started(runs, run_id)
    fetched = {f.source_id: f for f in record.fetched}
    registry = load_registry(settings.sources_dir)
    paths = IngestPaths.from_settings(settings)
    parts: list[SourceLoad] = []
    retry: list[str] = []
    # one raw connection and one parse worker for every source (a load rolls its own transaction back)
    with raw_store.connect(settings.raw_db) as con, ParseSandbox() as sandbox:
        for source_id in start.sources:
            got = fetched.get(source_id)
            if got is None or got.result is None:
                reason = f"fetch failed: {got.error}" if got else "fetch failed: nothing was recorded"
                parts.append(
                    _record(runs, run_id, SourceLoad(source_id=source_id, status="failed", reason=reason))
                )
                continue
            try:
                fetch = FetchResult.model_validate(got.result)
                result = load_source(registry[source_id], paths, fetch, con=con, sandbox=sandbox)
            except Exception as exc:  # as in fetch: one source's failure does not stop the others
                log.error("loading %s failed: %s", source_id, one_line(exc), exc_info=True)
                if getattr(exc, "retryable", False):
                    retry.append(f"{source_id}: {one_line(exc, 300)}")
                reason = f"load failed: {type(exc).__name__}: {one_line(exc, 400)}"
                parts.append(
                    _record(runs, run_id, SourceLoad(source_id=source_id, status="failed", reason=reason))
                )
                continue
            parts.append(_record(runs, run_id, _source_load(result)))
        runs.raw(run_id, raw_fingerprint(con))
    if retry:
        raise TransientError("; ".join(retry))
    failed = [p for p in parts if p.status in ("rejected", "failed")]
    if failed:
        raise SourceRejected(
            " | ".join(f"{p.source_id}: " + (p.reason or "; ".join(p.rejected)) for p in failed)
        )
    return parts


def _started(runs: RunStore, run_id: str) -> RunStart:
    start = runs.load(run_id).start
    if start is None:
        raise ConfigError(f"run {run_id} has no start in its run record: prepare did not run")
    return start


def _record(runs: RunStore, run_id: str, part: SourceLoad) -> SourceLoad:
    runs.source(run_id, part)
    return part


def _source_load(result: SourceResult) -> SourceLoad:
    return SourceLoad(
        source_id=result.source_id,
        status="rejected" if result.rejected else ("loaded" if result.releases_new else "unchanged"),
        rows_loaded=result.rows_loaded,
        releases_new=result.releases_new,
        releases_unchanged=result.releases_unchanged,
        releases_missing=result.releases_missing,
        rejected=[one_line(r, 500) for r in result.rejected],
    )


def _apply_umask() -> None:
    """Files this process creates (raw, build and serving DuckDB files, reports) follow the
    deployment's umask (PLANWATCH_UMASK, default 027), like landing and quarantine do."""
    os.umask(deployment_umask())


def validate(as_of: str, run_id: str, settings: Settings | None = None) -> ValidationOutcome:
    """Validate this run's build and keep the results in the run record, for the publish step's quality
    table. A build of new data alone validates the raw suites of the sources that changed, on the rows
    of their releases new since the served publish, and the marts dbt rebuilt, whole; the other datasets
    keep the results they have in the serving warehouse. Before any check, the build file itself must
    say it is this run's finished build (publishing.build_marker)."""
    from expectations.earlier import carried_results
    from expectations.runner import validate_build
    from publishing.build_marker import check_build

    settings = settings or load_settings()
    check_build(settings.build_db, run_id, as_of)
    record = store(settings).load(run_id)
    if record.build is None or not record.build.ok:
        raise ValidationFailed(f"run {run_id} has no finished dbt build: nothing to validate or publish")
    scope = validation_scope(record.plan, record.build)
    report = validate_build(
        settings.build_db,
        settings.raw_db,
        sources=load_registry(settings.sources_dir),
        rules_file=settings.config_dir / "quality_rules.yml",
        as_of=parse_month(as_of),
        serving_db=settings.serving_db,
        data_docs_dir=settings.reports_dir / "data_docs",
        datasets=scope,
        earlier=earlier_validation(settings, record.plan) if scope is not None else None,
    )
    log.info(report.summary())
    carried = carried_results(settings.serving_db, report.datasets) if scope is not None else []
    outcome = ValidationOutcome(
        passed=report.success,
        checks=len(report.checks),
        scope=sorted(report.datasets) if scope is not None else None,
        carried=len(carried),
        rows_read=report.rows_read,
        partial=report.scopes,
        rule_figures=report.rule_figures,
        warnings=[c.describe() for c in report.warnings],
        blocking=[c.describe() for c in report.blocking_failures],
        data_docs=report.data_docs,
        check_rows=report.rows() + carried,
    )
    checkpoint("validate.finished")
    store(settings).validation(run_id, outcome)
    if not report.success:
        raise ValidationFailed(report.summary())
    return outcome


def publish(run_id: str, settings: Settings | None = None, *, allow_older: bool = False) -> PublishOutcome:
    """Publish the build this run validated; refuse a build this run did not validate, and (unless
    allow_older) one whose latest as-of month is older than the one being served: a cleared run of an
    earlier night must not turn the clock back. The build must still be this run's finished build, as
    its marker says (checked again in the attach the copy is made from)."""
    from publishing import publish as publishing
    from publishing.build_marker import ExpectedBuild, check_build
    from publishing.exports import Reuse, export_all

    settings = settings or load_settings()
    record = store(settings).load(run_id)
    expected = ExpectedBuild(run_id, record.start.as_of if record.start else None)
    check_build(settings.build_db, expected.run_id, expected.as_of)
    validation = record.validation
    if validation is None or not validation.passed:
        raise publishing.PublishError(f"run {run_id} has no passed validation of the build: not publishing")
    if not allow_older:
        publishing.refuse_older_build(settings.build_db, settings.serving_db)
    changed, base = rebuilt_since_served(record.plan, record.build)
    result = publishing.publish(
        settings.build_db,
        settings.serving_db,
        settings.published_dir,
        settings.keep_published,
        validation.check_rows,
        expected,
        changed=changed,
        base=base,
    )
    # the warehouse is already published: a failed export is recorded and fails the run, no more
    reuse = Reuse(result.base, result.kept) if result.base else None
    exports = export_all(settings.serving_db, settings.warehouse_dir, result.publish_id, reuse)
    outcome = PublishOutcome(
        publish_id=result.publish_id,
        serving_db=str(result.path),
        exports=[
            ExportOutcome(
                name=x.name, path=str(x.path) if x.path else None, error=x.error, reused=list(x.reused)
            )
            for x in exports
        ],
        base=result.base,
        kept=sorted(result.kept),
    )
    checkpoint("publish.before_record")
    store(settings).publish(run_id, outcome)
    plan = record.plan
    if plan is not None:  # what this publish was built from: the next night compares with it
        keep = set(publishing.list_published(settings.published_dir))
        InputsStore.of(settings).save_published(result.publish_id, plan.fingerprint, keep)
    return outcome


def active_plans(serving_db: Path, plan_id: str | None = None) -> list[tuple[str, str, date]]:
    """(plan id, title, last as-of month) of every plan the serving warehouse tracks now, or of the one
    plan asked for (active or not, as long as it has progress)."""
    where = "plan_id = ?" if plan_id else "is_active"
    with duckdb.connect(str(serving_db), read_only=True) as con:
        rows = con.execute(
            f"select plan_id, title_zh, last_as_of_month from {contracts.PLANS} "
            f"where {where} and last_as_of_month is not null order by plan_year, plan_id",
            [plan_id] if plan_id else [],
        ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def report(
    as_of: str, run_id: str, settings: Settings | None = None, plan_id: str | None = None
) -> list[ReportOutcome]:
    """The progress report of every active plan (this year's, and last year's while it closes), or of
    the one plan the run names. The files are recorded with the publish they were written from, so a
    night with nothing new writes them again only if they are gone."""
    from publishing.publish import current_publish_id
    from reporting import generate

    settings = settings or load_settings()
    plans = active_plans(settings.serving_db, plan_id)
    if plan_id and not plans:
        raise UsageError(
            f"plan {plan_id!r} has no progress in the warehouse as of {as_of} (see serving.plans)"
        )
    if not plans:
        store(settings).skip(run_id, StepSkipped(step="report", reason=f"no plan is active as of {as_of}"))
    outcomes = []
    for plan, title, last_month in plans:
        out = generate(settings.serving_db, last_month, settings.reports_dir, plan_id=plan)
        part = ReportOutcome(
            plan_id=plan,
            plan_title=title,
            as_of=f"{last_month:%Y-%m}",
            html=out.get("html"),
            xlsx=out.get("xlsx"),
            status_counts=out.get("status_counts") or {},
        )
        store(settings).report(run_id, part)
        outcomes.append(part)
    publish_id = current_publish_id(settings.serving_db, settings.published_dir)
    if publish_id:
        files = {
            o.plan_id: ReportFiles(as_of=o.as_of, files=[f for f in (o.html, o.xlsx) if f]) for o in outcomes
        }
        InputsStore.of(settings).record_reports(publish_id, files)
    return outcomes


def finalize(run_id: str, settings: Settings | None = None) -> RunOutcome:
    """Judge the run from its record (planwatch.policy); a failed run raises with every reason."""
    settings = settings or load_settings()
    runs = store(settings)
    verdict = policy.judge(runs.load(run_id))
    outcome = RunOutcome(ok=verdict.ok, problems=verdict.problems, finished_at=now())
    checkpoint("finalize.before_record")
    runs.finish(run_id, outcome)
    if not verdict.ok:
        raise RunFailed("; ".join(verdict.problems))
    return outcome
