"""
### planwatch nightly (airflow)

Every night at the time `config/settings.yml` sets (`nightly.start`, 02:00 Asia/Shanghai):

1. **prepare** checks the configuration (source registry, indicator catalog) and the writers' pool,
   and opens the night's run record; nothing is fetched if the configuration is wrong;
2. **fetch_sources** (outside the writers' pool, so a slow bureau server delays no load) downloads every
   source's releases side by side, bounded per host, and keeps them untouched in landing/;
   **load_sources** (in the pool) parses and loads new releases into `warehouse/raw.duckdb`; a bad
   release is quarantined and fails only its own source, the others still load;
3. **plan_night** compares what the night would build from (raw loads, as-of month, catalog, dbt
   project, configuration) with what the serving warehouse was built from (`planwatch.incremental`).
   Nothing new: build, validation and publish are skipped with the reason in its log and in the run
   record, and so is the report if it is already written. New data only: dbt rebuilds what is
   downstream of the raw layer. Anything else: everything;
4. **dbt_build** (astronomer-cosmos, one `dbt build`) builds `warehouse/build.duckdb`;
5. **validate** runs the Great Expectations suites and quality rules on the build, read-only;
6. **publish** atomically replaces `warehouse/planwatch.duckdb`, only with a build this run validated;
7. **report** writes the progress report of every active plan (or of the plan the run names) from the
   serving file;
8. **finalize** judges the night from its run record and fails the run, naming every failed step.

Params: `as_of` (YYYY-MM) overrides the as-of month, which is otherwise the month before the logical date;
`plan` reports only that plan; `known_on` (YYYY-MM-DD) builds every figure as it was known on that day
(the vintage current then) instead of as restated since; `full` builds, validates and publishes
everything even when nothing changed (after a deployment of new validation code, for example).
All business logic lives in the packages (`planwatch.nightly`, `planwatch.policy`, `ingest`,
`expectations`, `publishing`, `reporting`); this file only wires.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, AssetAlias, Param, dag, get_current_context, task
from cosmos import ProfileConfig
from cosmos.constants import InvocationMode

from core.settings import load_settings
from planwatch.airflow_env import DUCKDB_POOL, DUCKDB_QUEUE
from planwatch.alerts import notify_failure
from planwatch.dbt_operator import DbtBuildOperator, lineage_listener_installed
from planwatch.dbt_runtime import BUILD_EVENTS, dbt_env, release_dbt_duckdb
from planwatch.incremental import choose_nodes, record_build
from planwatch.retry import RETRY_POLICY

SETTINGS = load_settings()  # paths and the schedule only: no file other than settings.yml is opened
SCHEDULE = SETTINGS.nightly()
DBT_DIR = SETTINGS.dbt_project_dir
SERVING_ASSET = Asset("planwatch_serving_warehouse", uri="planwatch://warehouse/serving")
SOURCES_ALIAS = AssetAlias("planwatch_sources")  # one Asset per registry entry, added at run time
WRITER = {"pool": DUCKDB_POOL, "queue": DUCKDB_QUEUE}  # every task that writes a DuckDB file


@dag(
    dag_id="planwatch_nightly",
    description=f"每天{SCHEDULE.start:%H:%M}({SCHEDULE.timezone})采集、建模、校验、发布并生成进度报告",
    schedule=SCHEDULE.cron,
    start_date=pendulum.datetime(
        SCHEDULE.first_night.year, SCHEDULE.first_night.month, SCHEDULE.first_night.day, tz=SCHEDULE.timezone
    ),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["planwatch", "nightly", "warehouse"],
    params={
        "as_of": Param(None, type=["null", "string"], description="as-of month YYYY-MM"),
        "plan": Param(None, type=["null", "string"], description="report only this plan (plan id)"),
        "known_on": Param(None, type=["null", "string"], description="figures as known on YYYY-MM-DD"),
        "full": Param(False, type="boolean", description="build everything even if nothing changed"),
    },
    default_args={
        "owner": "planwatch-data",
        "retries": 2,
        "retry_delay": pendulum.duration(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": pendulum.duration(minutes=30),
        "retry_policy": RETRY_POLICY,
        "on_failure_callback": notify_failure,
    },
)
def planwatch_nightly() -> None:
    """long: the DAG's wiring, its tasks defined in place (each a few lines calling a package) so that
    one screen shows what runs after what."""

    @task
    def prepare(params: dict | None = None, logical_date=None, run_id: str | None = None) -> dict:  # noqa: ANN001
        from planwatch.airflow_env import check_writer_pool
        from planwatch.nightly import prepare as start_run

        check_writer_pool()
        params = params or {}
        start = start_run(str(run_id), params.get("as_of"), logical_date, known_on=params.get("known_on"))
        return {
            "as_of": start.as_of,
            "as_of_explicit": start.as_of_explicit,
            "plan": params.get("plan"),
            "known_on": start.known_on or "",
            "full": bool(params.get("full")),
        }

    @task(retries=3)
    def fetch_sources(run_id: str | None = None) -> list[str]:
        from planwatch.nightly import fetch_sources as fetch_all

        return [f.source_id for f in fetch_all(str(run_id)) if f.result is not None]

    @task(**WRITER, trigger_rule="all_done", outlets=[SOURCES_ALIAS])  # load whatever landed
    def load_sources(run_id: str | None = None) -> list[str]:
        from planwatch.nightly import load_sources as load_all

        loaded = load_all(str(run_id))
        events = get_current_context()["outlet_events"]
        for part in loaded:
            if part.releases_new:
                uri = f"planwatch://source/{part.source_id}"
                events[SOURCES_ALIAS].add(Asset(f"planwatch_source_{part.source_id}", uri=uri))
        return [p.source_id for p in loaded if p.releases_new]

    # build on whatever loaded: one late bureau must not stop the others
    @task.branch(trigger_rule="all_done", retries=0)
    def plan_night(prepared: dict, run_id: str | None = None) -> list[str]:
        from planwatch.incremental import plan_night as decide

        plan = decide(str(run_id), full=prepared["full"], plan_id=prepared["plan"])
        if plan.build:
            return ["dbt_build", "report"]
        return ["report"] if plan.report else []

    prepared = prepare()
    planned = plan_night(prepared)
    prepared >> fetch_sources() >> load_sources() >> planned

    dbt_build = DbtBuildOperator(
        task_id="dbt_build",
        project_dir=str(DBT_DIR),
        profile_config=ProfileConfig(
            profile_name="planwatch",
            target_name="build",
            profiles_yml_filepath=str(DBT_DIR / "profiles.yml"),
        ),
        invocation_mode=InvocationMode.DBT_RUNNER,
        install_deps=False,
        interceptors=[choose_nodes],  # the whole project, or what is downstream of new data
        callback=[release_dbt_duckdb, record_build],
        # dbt unit tests check the SQL, not the night's data: they run in CI (tests/dbt), as dbt advises;
        # dbt's JSON artifacts cost 1-2 s to write and only a lineage listener reads them (the outcome
        # comes from dbt's events)
        dbt_cmd_flags=[
            "--exclude-resource-type",
            "unit_test",
            *([] if lineage_listener_installed() else ["--no-write-json"]),
        ],
        dbt_runner_callbacks=[BUILD_EVENTS],
        # keep dbt's partial-parse state between nights: a full parse of the project costs ~4 s
        cache_dir=SETTINGS.state_dir / "cache" / "dbt",
        emit_datasets=False,  # the night's asset is the serving warehouse; per-model events cost ~0.5 s
        vars={
            "as_of_month": "{{ ti.xcom_pull(task_ids='prepare')['as_of'] }}",
            "known_on": "{{ ti.xcom_pull(task_ids='prepare')['known_on'] }}",
        },  # nothing that changes every night: dbt reparses the whole project when a var changes
        # the build marker names the run (publishing/build_marker.py)
        env=dbt_env(SETTINGS, run_id="{{ run_id }}"),
        retries=0,
        **WRITER,
    )

    @task(**WRITER, retries=0)
    def validate(prepared: dict, run_id: str | None = None) -> dict:
        from planwatch.nightly import validate as run_validation

        outcome = run_validation(prepared["as_of"], str(run_id))
        return outcome.model_dump(exclude={"check_rows"})

    @task(**WRITER, outlets=[SERVING_ASSET])
    def publish(prepared: dict, run_id: str | None = None) -> dict:
        from planwatch.nightly import publish as run_publish

        # a cleared run of an earlier night must not replace a newer warehouse unless asked for by as_of
        return run_publish(str(run_id), allow_older=prepared["as_of_explicit"]).model_dump()

    # after a publish, or alone on a night with nothing new whose reports are not on disk any more
    @task(trigger_rule="none_failed_min_one_success")
    def report(prepared: dict, run_id: str | None = None) -> list[dict]:
        from planwatch.nightly import report as run_report

        return [r.model_dump() for r in run_report(prepared["as_of"], str(run_id), plan_id=prepared["plan"])]

    @task(trigger_rule="all_done", retries=0)
    def finalize(run_id: str | None = None) -> dict:
        from planwatch.nightly import finalize as judge_run

        return judge_run(str(run_id)).model_dump(mode="json")

    reported = report(prepared)
    planned >> dbt_build >> validate(prepared) >> publish(prepared) >> reported
    planned >> reported >> finalize()


planwatch_nightly()
