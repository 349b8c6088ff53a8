"""A whole night through the step functions the DAG's tasks call, in one process, without Airflow.

    python -m tests.reliability.night RUN_ID [--as-of YYYY-MM] [--logical-date ISO] [--allow-older]
    python -m tests.reliability.night RUN_ID --step load|dbt|validate|publish|report|finalize|rollback

The kill loop runs a night in a subprocess with PLANWATCH_FAULT set, so that it dies at one checkpoint
(core.faults), and then runs the next night to see that it recovers. A night here costs what its steps
cost (no Airflow process, scheduler loop or task runner around them), so every phase can be killed in CI.

The steps are the DAG's (planwatch.nightly, planwatch.incremental) and so are the trigger rules: fetch and
load whatever happened before, plan the night whatever loaded, build only what the plan says, validate and
publish only after the step before succeeded, report after a publish or alone when the plan says so, and
finalize always. dbt runs in-process through dbtRunner with the flags and vars the DAG's cosmos task gives
it, and with the callback that reaches the checkpoint `dbt.build.node` after each node; cosmos' own
handle_exception_if_needed message is the error a failed build fails with (importing cosmos here would
import Airflow, seconds a night). A failed step is
recorded as the DAG's failure callback records it (planwatch.alerts.record_failure). Exit code 0 when the
night's verdict is ok, 1 when it failed (the problems on stderr, one line each).

Not here: Airflow's retries, pools and parameter handling. tests/reliability/test_airflow_kill.py kills a
real `airflow dags test` for those.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from core.errors import DataError, one_line
from core.settings import load_settings
from planwatch import nightly
from planwatch.alerts import record_failure
from planwatch.incremental import choose_nodes, dbt_node_checkpoint, plan_night, record_build

log = logging.getLogger("night")


class DbtFailed(DataError):
    """dbt did not build everything it was asked to."""


def _step(run_id: str, task_id: str, call: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, call()
    except Exception as exc:  # as Airflow does: the task fails, its callback records it
        log.info("%s failed: %s", task_id, one_line(exc, 300))
        record_failure(run_id, task_id, exc)
        return False, None


def dbt_build(run_id: str, as_of: str, known_on: str | None) -> None:
    """`dbt build` as the DAG's cosmos task runs it: the night's selection, unit tests left to CI, the
    as-of month as a var and the run id in the environment; then the run record's build part, as the
    task's callback writes it."""
    from dbt.cli.main import dbtRunner

    from planwatch.dbt_runtime import BUILD_EVENTS, dbt_env, release_dbt_duckdb

    settings = load_settings()
    operator = SimpleNamespace(select=None, dbt_cmd_flags=[])  # what choose_nodes sets on cosmos' operator
    choose_nodes({"run_id": run_id}, operator)
    run_dir = settings.state_dir / "dbt_run"  # its target/ keeps dbt's partial parse between nights
    os.environ.update(dbt_env(settings, run_id=run_id))
    dbt_vars = {"as_of_month": as_of, "known_on": known_on or ""}
    args = ["build", "--quiet", "--project-dir", str(settings.dbt_project_dir), "--profiles-dir",
            str(settings.dbt_project_dir), "--target-path", str(run_dir / "target"), "--log-path",
            str(run_dir / "logs"), "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test",
            "--no-write-json"]  # fmt: skip
    if operator.select:
        args += ["--select", *str(operator.select).split()]
    args += operator.dbt_cmd_flags
    result = dbtRunner(callbacks=[BUILD_EVENTS, dbt_node_checkpoint]).invoke(args)
    release_dbt_duckdb()
    record_build(str(run_dir), context={"run_id": run_id})
    if not result.success:  # the message cosmos' handle_exception_if_needed fails the task with
        if result.exception:
            raise DbtFailed(f"dbt invocation did not complete with unhandled error: {result.exception}")
        failed = [r for r in result.result.results if r.status in ("error", "fail", "runtime error")]
        raise DbtFailed(
            "dbt invocation completed with errors: "
            + "; ".join(f"{r.node.name}: {r.message}" for r in failed)
        )


def run_night(
    run_id: str, as_of: str | None, *, allow_older: bool = False, logical_date: datetime | None = None
) -> int:
    """long: one night's steps and their trigger rules, in the DAG's order, on one screen. Without
    as_of, the night is the scheduled one of logical_date (default now), as the DAG's prepare takes it."""
    ok, start = _step(run_id, "prepare", lambda: nightly.prepare(run_id, as_of, logical_date))
    if ok:
        _step(run_id, "fetch_sources", lambda: nightly.fetch_sources(run_id))
        _step(run_id, "load_sources", lambda: nightly.load_sources(run_id))
        planned, plan = _step(run_id, "plan_night", lambda: plan_night(run_id))
        report = planned and (plan.build or plan.report)
        if planned and plan.build:
            report = (
                _step(run_id, "dbt_build", lambda: dbt_build(run_id, start.as_of, start.known_on))[0]
                and _step(run_id, "validate", lambda: nightly.validate(start.as_of, run_id))[0]
                and _step(run_id, "publish", lambda: nightly.publish(run_id, allow_older=allow_older))[0]
            )
        if report:
            _step(run_id, "report", lambda: nightly.report(start.as_of, run_id))
    judged, outcome = _step(run_id, "finalize", lambda: nightly.finalize(run_id))
    if judged:
        return 0
    record = nightly.store(load_settings()).load(run_id)
    for problem in record.outcome.problems if record.outcome else ["finalize failed"]:
        print(problem, file=sys.stderr)
    return 1


def run_step(run_id: str, step: str, *, allow_older: bool = False) -> None:
    """One step of a night that prepare has started: what one Airflow task of the DAG runs."""
    from publishing.publish import rollback

    settings = load_settings()
    start = nightly.store(settings).load(run_id).start
    as_of, known_on = (start.as_of, start.known_on) if start else ("", None)
    steps: dict[str, Callable[[], object]] = {
        "load": lambda: nightly.load_sources(run_id),
        "dbt": lambda: dbt_build(run_id, as_of, known_on),
        "validate": lambda: nightly.validate(as_of, run_id),
        "publish": lambda: nightly.publish(run_id, allow_older=allow_older),
        "report": lambda: nightly.report(as_of, run_id),
        "finalize": lambda: nightly.finalize(run_id),
        "rollback": lambda: rollback(settings.serving_db, settings.published_dir),
    }
    steps[step]()


STEPS = ("load", "dbt", "validate", "publish", "report", "finalize", "rollback")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run_id")
    parser.add_argument("--as-of")
    parser.add_argument("--allow-older", action="store_true", help="as the DAG does for an explicit as_of")
    parser.add_argument("--logical-date", type=datetime.fromisoformat, help="the scheduled night's date")
    parser.add_argument("--step", choices=STEPS, help="run only this step of a night prepare started")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.step:
        try:
            run_step(args.run_id, args.step, allow_older=args.allow_older)
        except Exception as exc:  # one line, as a task's log ends
            print(f"{args.step} failed: {type(exc).__name__}: {one_line(exc, 500)}", file=sys.stderr)
            return 1
        return 0
    return run_night(args.run_id, args.as_of, allow_older=args.allow_older, logical_date=args.logical_date)


if __name__ == "__main__":
    sys.exit(main())
