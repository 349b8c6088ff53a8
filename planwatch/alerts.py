"""Failure alerts: a failure part in the run record, and an e-mail through an Airflow connection.

The e-mail goes through the SMTP provider's SmtpNotifier using the connection `planwatch_smtp` (set it
as AIRFLOW_CONN_PLANWATCH_SMTP or in the UI) to the addresses in the Airflow Variable
`planwatch_alert_to`. Nothing is hard-coded: with no connection configured, only the run record and
the task log say it. Recording a failure opens no database, so it works when a DuckDB file is the
problem, and it never waits for the writers' pool.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from core.errors import PlanwatchError, one_line
from core.settings import load_settings

log = logging.getLogger(__name__)

SMTP_CONN_ID = "planwatch_smtp"
RECIPIENTS_VARIABLE = "planwatch_alert_to"


def record_failure(run_id: str, task_id: str, error: BaseException | None) -> None:
    """Add the failure to the run's record (planwatch.runs)."""
    from planwatch.runs import RunStore, TaskFailure, now

    part = TaskFailure(
        task_id=task_id,
        error=one_line(error, 1000) if error else "failed",
        error_type=type(error).__name__ if error else "unknown",
        retryable=bool(getattr(error, "retryable", False)) if isinstance(error, PlanwatchError) else False,
        at=now(),
    )
    RunStore(load_settings().runs_dir).failure(run_id, part)


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
    """on_failure_callback of every planwatch task: record the failure, then e-mail if configured."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", "?")
    run_id = str(context.get("run_id") or getattr(ti, "run_id", "?"))
    task_id = str(getattr(ti, "task_id", None) or "?")
    map_index = getattr(ti, "map_index", -1)
    if isinstance(map_index, int) and map_index >= 0:  # a mapped task: name the source, not its index
        task_id = f"{task_id}[{getattr(ti, 'rendered_map_index', None) or map_index}]"
    error = context.get("exception")
    detail = f"{type(error).__name__}: {one_line(error, 1000)}" if error else "failed"
    try:
        record_failure(run_id, task_id, error if isinstance(error, BaseException) else None)
    except Exception:  # the alert must still go out when the state folder itself is the problem
        log.exception("could not record the failure in the run record")
    to = _recipients()
    if not to or not _smtp_configured():
        log.warning("planwatch alert (no e-mail configured): %s.%s failed: %s", dag_id, task_id, detail)
        return
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    SmtpNotifier(
        to=to,
        smtp_conn_id=SMTP_CONN_ID,
        subject=f"[planwatch] {dag_id}.{task_id} 失败 ({run_id})",
        html_content=f"<p>任务 <b>{escape(dag_id)}.{escape(task_id)}</b> 运行失败。</p><pre>{escape(detail)}</pre>",
    ).notify(context)  # type: ignore[arg-type]  # Airflow passes its Context mapping here
