"""Failure alerts: a record in the warehouse's run log, and an e-mail through an Airflow connection.

The e-mail goes through the SMTP provider's SmtpNotifier using the connection `planwatch_smtp` (set it
as AIRFLOW_CONN_PLANWATCH_SMTP or in the UI) to the addresses in the Airflow Variable
`planwatch_alert_to`. Nothing is hard-coded: with no connection configured, only the run log records it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from core.settings import load_settings

log = logging.getLogger(__name__)

SMTP_CONN_ID = "planwatch_smtp"
RECIPIENTS_VARIABLE = "planwatch_alert_to"

RUN_LOG_SCHEMA = """
create table if not exists run_log (
    recorded_at timestamptz not null,
    dag_id varchar not null,
    run_id varchar not null,
    task_id varchar,
    event varchar not null,
    detail varchar
)
"""


def record_run_event(
    dag_id: str, run_id: str, event: str, task_id: str | None = None, detail: str | None = None
) -> None:
    """Append to run_log in the raw file (the warehouse's operational record; never served to BI)."""
    from ingest import raw_store  # DuckDB only when a task runs: DAG files import this module

    settings = load_settings()
    with raw_store.connect(settings.raw_db) as con:
        con.execute(RUN_LOG_SCHEMA)
        con.execute(
            "insert into run_log values (?, ?, ?, ?, ?, ?)",
            [datetime.now(UTC), dag_id, run_id, task_id, event, (detail or "")[:4000]],
        )


def _recipients() -> str | None:
    from airflow.sdk import Variable

    try:
        return Variable.get(RECIPIENTS_VARIABLE, default=None)
    except Exception:  # no metadata database reachable: nothing to send to
        return None


def _smtp_configured() -> bool:
    from airflow.sdk import BaseHook

    try:
        BaseHook.get_connection(SMTP_CONN_ID)
    except Exception:
        return False
    return True


def notify_failure(context: dict[str, Any]) -> None:
    """on_failure_callback of every planwatch task: log the failure, then e-mail if configured."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", "?")
    run_id = str(context.get("run_id") or getattr(ti, "run_id", "?"))
    task_id = getattr(ti, "task_id", None)
    error = context.get("exception")
    detail = f"{type(error).__name__}: {error}" if error else "failed"
    try:
        record_run_event(dag_id, run_id, "task_failed", task_id, detail)
    except Exception:  # the alert must still go out when the warehouse itself is the problem
        log.exception("could not write the run log")
    to = _recipients()
    if not to or not _smtp_configured():
        log.warning("planwatch alert (no e-mail configured): %s.%s failed: %s", dag_id, task_id, detail)
        return
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    SmtpNotifier(
        to=to,
        smtp_conn_id=SMTP_CONN_ID,
        subject=f"[planwatch] {dag_id}.{task_id} 失败 ({run_id})",
        html_content=f"<p>任务 <b>{dag_id}.{task_id}</b> 运行失败。</p><pre>{detail}</pre>",
    ).notify(context)  # type: ignore[arg-type]  # Airflow passes its Context mapping here
