"""
### planwatch publish watchdog (airflow)

At the deadline `config/settings.yml` sets (`nightly.deadline`, 07:00 Asia/Shanghai), checks that a
nightly run started since tonight's start (`nightly.start`, 02:00) and finished well: it published, or
found nothing new and said so. If not, the task fails and its failure callback alerts (run record and
e-mail via the `planwatch_smtp` connection), so the people on call hear about it before the leadership
meeting. The rule is `planwatch.policy.check_night`; this file only wires.

A separate DAG rather than a DeadlineAlert on the nightly DAG: `airflow dags test` crashed on a DAG with a
DeadlineAlert in Airflow 3.3.2, and a plain task is testable end to end.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from core.settings import load_settings
from planwatch.alerts import notify_failure
from planwatch.retry import RETRY_POLICY

SCHEDULE = load_settings().nightly()


@dag(
    dag_id="planwatch_publish_watchdog",
    description=f"每天{SCHEDULE.deadline:%H:%M}({SCHEDULE.timezone})检查当夜运行是否成功",
    schedule=SCHEDULE.watchdog_cron,
    start_date=pendulum.datetime(
        SCHEDULE.first_night.year, SCHEDULE.first_night.month, SCHEDULE.first_night.day, tz=SCHEDULE.timezone
    ),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["planwatch", "monitoring"],
    default_args={
        "owner": "planwatch-data",
        "retries": 1,
        "retry_delay": pendulum.duration(minutes=5),
        "retry_policy": RETRY_POLICY,
        "on_failure_callback": notify_failure,
    },
)
def planwatch_publish_watchdog() -> None:
    @task
    def check_published_today(logical_date=None) -> str:  # noqa: ANN001
        from planwatch.watchdog import check_tonight

        return check_tonight(logical_date)

    check_published_today()


planwatch_publish_watchdog()
