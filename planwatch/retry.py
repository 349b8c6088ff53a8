"""Which failures Airflow retries: only what can pass by itself.

A TransientError (a timeout, a busy server, a file held by another process) and an operating-system
error are retried with the task's backoff. (DuckDB's own IOException is not named here: naming it would
import DuckDB when the DAG file is parsed; planwatch turns a busy DuckDB file into a TransientError.) Everything else fails the task at once: a bad
release, a wrong setting, a failed validation, a refusal to publish older figures, and a bug (a
TypeError is the same on the third try). The alert then goes out now, not after minutes of retries.
"""

from __future__ import annotations

from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule

RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=["core.errors.TransientError", "builtins.OSError"],
            action=RetryAction.RETRY,
            reason="a transient fault: worth another try",
        ),
    ],
    default=RetryAction.FAIL,
)
