"""
### planwatch nightly (airflow)

Every night at 02:00 Asia/Shanghai:

1. **prepare** reads the source registry (`config/sources/*.yml`) and makes sure the raw file exists;
2. **ingest_source** (one mapped task per registry entry) fetches each release, keeps it untouched in
   landing/, and loads new releases into `warehouse/raw.duckdb`; a bad release is quarantined and fails
   only its own source;
3. **dbt_build** (astronomer-cosmos, one `dbt build` of the whole project) builds `warehouse/build.duckdb`;
4. **validate** runs the Great Expectations suites on the build, read-only;
5. **publish** atomically replaces `warehouse/planwatch.duckdb` (only after validation passed);
6. **report** writes the progress page from the serving file;
7. **finalize** writes the run summary and fails the run, with the reasons, if any step failed.

Params: `as_of` (YYYY-MM) overrides the as-of month, which is otherwise the month before the logical date.
All business logic lives in the `ingest`, `planwatch` and `expectations` packages; this file only wires.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

import pendulum
from airflow.sdk import (
    Asset,
    AssetAlias,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
    get_current_context,
    task,
)
from cosmos import ProfileConfig
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator

from core.settings import load_settings
from planwatch.alerts import notify_failure
from planwatch.dbt_runtime import release_dbt_duckdb

DUCKDB_POOL = "planwatch_duckdb"  # one slot: DuckDB allows one writing process per file
# Celery queue of the tasks that write DuckDB files: in docker/ a single worker with concurrency 1
# consumes it, so writers never run side by side even across hosts; locally it is the default queue.
DUCKDB_QUEUE = os.environ.get("PLANWATCH_DUCKDB_QUEUE", "default")
SERVING_ASSET = Asset("planwatch_serving_warehouse", uri="planwatch://warehouse/serving")
SOURCES_ALIAS = AssetAlias("planwatch_sources")  # one Asset per registry entry, added at run time

# Transient fetch faults are retried with backoff; bad data and configuration fail at once (a retry
# cannot fix a wrong file, and the alert should go out before the leadership meeting, not after).
FETCH_RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception="ingest.errors.TransientFetchError", action=RetryAction.RETRY, reason="transient fetch"
        ),
        RetryRule(
            exception=[
                "ingest.errors.FetchError",
                "ingest.errors.ReleaseError",
                "ingest.errors.RegistryError",
            ],
            action=RetryAction.FAIL,
            reason="not retryable: bad data, missing file or configuration",
        ),
    ],
    default=RetryAction.DEFAULT,
)


log = logging.getLogger(__name__)
SETTINGS = load_settings()  # paths only: no file is opened at parse time
DBT_DIR = SETTINGS.dbt_project_dir


@dag(
    dag_id="planwatch_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["planwatch", "nightly", "warehouse"],
    params={"as_of": Param(None, type=["null", "string"], description="as-of month YYYY-MM")},
    default_args={
        "owner": "planwatch-data",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": notify_failure,
    },
)
def planwatch_nightly() -> None:
    @task(
        pool=DUCKDB_POOL, queue=DUCKDB_QUEUE
    )  # creates the raw file on a new deployment: a writer like the others
    def prepare(params: dict | None = None, logical_date: pendulum.DateTime | None = None) -> dict:
        from core.settings import load_settings
        from planwatch.nightly import ensure_raw, resolve_as_of, source_ids

        settings = load_settings()
        ensure_raw(settings)
        as_of = resolve_as_of((params or {}).get("as_of"), logical_date, settings)
        explicit = bool((params or {}).get("as_of"))
        return {"as_of": as_of, "as_of_explicit": explicit, "sources": source_ids(settings)}

    @task(retries=0)
    def source_list(prepared: dict) -> list[dict]:
        return [{"source_id": s, "as_of": prepared["as_of"]} for s in prepared["sources"]]

    @task(
        pool=DUCKDB_POOL,
        queue=DUCKDB_QUEUE,
        map_index_template="{{ task.op_kwargs['source_id'] }}",
        retries=3,
        retry_policy=FETCH_RETRY_POLICY,
        outlets=[SOURCES_ALIAS],
    )
    def ingest_source(source_id: str, as_of: str) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from planwatch.nightly import SourceRejected, ingest_one

        try:
            result = ingest_one(source_id, as_of)
        except SourceRejected as exc:
            raise AirflowFailException(str(exc)) from exc  # bad data: retrying cannot help
        if result["releases_new"]:
            events = get_current_context()["outlet_events"]
            events[SOURCES_ALIAS].add(
                Asset(f"planwatch_source_{source_id}", uri=f"planwatch://source/{source_id}")
            )
        return result

    prepared = prepare()
    loaded = ingest_source.expand_kwargs(source_list(prepared))

    dbt_build = DbtBuildLocalOperator(
        task_id="dbt_build",
        project_dir=str(DBT_DIR),
        profile_config=ProfileConfig(
            profile_name="planwatch",
            target_name="build",
            profiles_yml_filepath=str(DBT_DIR / "profiles.yml"),
        ),
        invocation_mode=InvocationMode.DBT_RUNNER,
        install_deps=False,
        callback=release_dbt_duckdb,
        # dbt unit tests check the SQL, not the night's data: they run in CI (tests/dbt), as dbt advises
        dbt_cmd_flags=["--exclude-resource-type", "unit_test"],
        # keep dbt's partial-parse state between nights: a full parse of the project costs ~4 s
        cache_dir=SETTINGS.state_dir / "cache" / "dbt",
        vars={"as_of_month": "{{ ti.xcom_pull(task_ids='prepare')['as_of'] }}"},
        env={"PLANWATCH_BUILD_DB": str(SETTINGS.build_db), "PLANWATCH_RAW_DB": str(SETTINGS.raw_db)},
        pool=DUCKDB_POOL,
        queue=DUCKDB_QUEUE,
        trigger_rule="all_done",  # build on whatever loaded: one late bureau must not stop the others
        retries=0,
    )

    @task(pool=DUCKDB_POOL, queue=DUCKDB_QUEUE, retries=0)
    def validate(prepared: dict) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from planwatch.nightly import ValidationFailed
        from planwatch.nightly import validate as run_validation

        try:
            return run_validation(prepared["as_of"])
        except ValidationFailed as exc:
            raise AirflowFailException(f"not published: {exc}") from exc

    @task(pool=DUCKDB_POOL, queue=DUCKDB_QUEUE, outlets=[SERVING_ASSET])
    def publish(prepared: dict) -> dict:
        from planwatch.nightly import publish as run_publish

        # a cleared run of an earlier night must not replace a newer warehouse unless asked for by as_of
        return run_publish(allow_older=prepared.get("as_of_explicit", False))

    @task
    def report(prepared: dict) -> dict:
        from planwatch.nightly import report as run_report

        return run_report(prepared["as_of"])

    @task(trigger_rule="all_done", retries=0, pool=DUCKDB_POOL, queue=DUCKDB_QUEUE)  # writes the run log
    def finalize(prepared: dict | None, ti=None, run_id: str | None = None) -> dict:  # noqa: ANN001
        import json

        from airflow.sdk.exceptions import AirflowFailException

        from planwatch.alerts import record_run_event
        from planwatch.nightly import write_run_summary

        sources = (prepared or {}).get("sources", [])
        ingested = [r for r in (ti.xcom_pull(task_ids="ingest_source") or []) if r]
        loaded_ids = {r["source_id"] for r in ingested}
        parts = {
            "as_of": (prepared or {}).get("as_of"),
            "sources": ingested,
            "failed_sources": sorted(set(sources) - loaded_ids),
            "validation": ti.xcom_pull(task_ids="validate"),
            "publish": ti.xcom_pull(task_ids="publish"),
            "report": ti.xcom_pull(task_ids="report"),
        }
        write_run_summary(run_id or "unknown", parts)
        record_run_event(
            "planwatch_nightly", run_id or "unknown", "run_finished", detail=json.dumps(parts, default=str)
        )
        problems = []
        if parts["failed_sources"]:
            problems.append(f"sources not loaded: {', '.join(parts['failed_sources'])}")
        if parts["validation"] is None:
            problems.append("build or validation failed: serving warehouse left as it was")
        elif parts["publish"] is None:
            problems.append("publish failed: serving warehouse left as it was")
        if problems:
            raise AirflowFailException("; ".join(problems))
        return parts

    validated = validate(prepared)
    published = publish(prepared)
    reported = report(prepared)
    loaded >> dbt_build >> validated >> published >> reported
    reported >> finalize(prepared)


planwatch_nightly()
