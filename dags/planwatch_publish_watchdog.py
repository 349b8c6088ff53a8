"""
### planwatch publish watchdog (airflow)

At 07:00 Asia/Shanghai, checks that the nightly run published the serving warehouse since 02:00 today.
If not, the task fails and its failure callback alerts (run log + e-mail via the `planwatch_smtp`
connection), so the people on call hear about it before the leadership meeting.

A separate DAG rather than a DeadlineAlert on the nightly DAG: `airflow dags test` crashed on a DAG with a
DeadlineAlert in Airflow 3.3.2, and a plain task is testable end to end.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from planwatch.alerts import notify_failure


@dag(
    dag_id="planwatch_publish_watchdog",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["planwatch", "monitoring"],
    default_args={
        "owner": "planwatch-data",
        "retries": 1,
        "retry_delay": timedelta(minutes=5),
        "on_failure_callback": notify_failure,
    },
)
def planwatch_publish_watchdog() -> None:
    @task
    def check_published_today(logical_date: pendulum.DateTime | None = None) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        from core.settings import load_settings
        from publishing.publish import latest_publish_time

        settings = load_settings()
        local = pendulum.instance(logical_date or pendulum.now("UTC")).in_timezone("Asia/Shanghai")
        since = local.replace(hour=2, minute=0, second=0, microsecond=0)
        latest = latest_publish_time(settings.published_dir)
        if latest is None or latest < since:
            raise AirflowFailException(
                f"serving warehouse not published since {since:%Y-%m-%d %H:%M} Asia/Shanghai "
                f"(latest publish: {latest or 'never'})"
            )
        return latest.isoformat()

    check_published_today()


planwatch_publish_watchdog()
