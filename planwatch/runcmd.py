"""`planwatch run`: the nightly DAG once, through `airflow dags test`, narrated as it goes.

Each task is printed as it finishes, with its duration and state (read from Airflow's own log lines),
and the run ends with a summary read from the night's run record (planwatch.runs): sources, validation,
statuses per plan, what was published and where the reports are. The full Airflow log is kept in
.airflow/runs/.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from core.settings import Settings, load_settings, parse_month
from planwatch.airflow_env import airflow_bin, airflow_env, ensure_metadata_db
from planwatch.runs import RunRecord, RunStore

_START = re.compile(r"\[DAG TEST\] starting task_id=(\S+) map_index=(-?\d+)")
_STATE = re.compile(r"Task instance state updated.*new_state=(\w+)")
_END = re.compile(r"\[DAG TEST\] end task task_id=(\S+) map_index=(-?\d+)")


class TaskNarrator:
    """Turns `airflow dags test` log lines into one printed line per finished task."""

    def __init__(self, out: IO[str], mapped_names: dict[str, list[str]]) -> None:
        self.out = out
        self.mapped_names = mapped_names  # task id -> the name of each map index (source ids)
        self.started: dict[tuple[str, str], float] = {}
        self.state = "?"

    def feed(self, line: str) -> None:
        if m := _START.search(line):
            self.started[(m.group(1), m.group(2))] = time.monotonic()
            self.state = "?"
        elif m := _STATE.search(line):
            self.state = m.group(1)
        elif m := _END.search(line):
            task_id, index = m.group(1), m.group(2)
            seconds = time.monotonic() - self.started.pop((task_id, index), time.monotonic())
            names = self.mapped_names.get(task_id, [])
            label = task_id
            if int(index) >= 0:
                label += f"[{names[int(index)] if int(index) < len(names) else index}]"
            mark = {"success": "ok", "failed": "FAILED", "up_for_retry": "retry", "skipped": "skipped"}
            print(
                f"  {mark.get(self.state, self.state):7} {label:48} {seconds:6.1f} s",
                file=self.out,
                flush=True,
            )


def run_nightly(
    as_of: str | None,
    settings: Settings | None = None,
    *,
    plan: str | None = None,
    known_on: str | None = None,
    full: bool = False,
) -> int:
    settings = settings or load_settings()
    month = as_of or f"{settings.default_as_of():%Y-%m}"
    parse_month(month)
    env = airflow_env(settings)
    logs = settings.home / ".airflow" / "runs"
    logs.mkdir(parents=True, exist_ok=True)
    began, started = datetime.now(UTC), time.monotonic()
    log_file = logs / f"run-{began:%Y%m%dT%H%M%S}.log"
    print(f"planwatch: nightly run for as-of {month} (Airflow log: {log_file})", flush=True)
    ensure_metadata_db(settings, env, log_file)
    narrator = TaskNarrator(sys.stdout, {})
    cmd = [airflow_bin(), "dags", "test", "planwatch_nightly", began.replace(microsecond=0).isoformat()]
    cmd += ["-c", json.dumps({"as_of": month, "plan": plan, "known_on": known_on, "full": full})]
    with (
        log_file.open("a", encoding="utf-8") as log,
        subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            narrator.feed(line)
    record = RunStore(settings.runs_dir).since(began)
    ok = proc.returncode == 0 and record is not None and record.outcome is not None and record.outcome.ok
    print(format_summary(record, settings.serving_db, ok, time.monotonic() - started))
    if not ok and (record is None or record.outcome is None):
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        errors = [line for line in tail if "ERROR" in line or "Error" in line or "failed" in line]
        print(
            "\nlast errors from the Airflow log:\n  " + "\n  ".join(errors[-12:] or tail[-12:]),
            file=sys.stderr,
        )
    return 0 if ok else 1


def format_summary(record: RunRecord | None, serving_db: Path, ok: bool, elapsed: float) -> str:
    lines = [f"planwatch: run {'succeeded' if ok else 'FAILED'} in {elapsed:.1f} s"]
    if record is None:
        return "\n".join([*lines, "  no run record was written (the run did not start; see the Airflow log)"])
    if record.plan is not None and not record.plan.build:
        lines.append(f"  {record.plan.reasons[0]}")
    for src in record.sources:
        lines.append(
            f"  source {src.source_id}: {src.status}, {src.rows_loaded} rows loaded "
            f"({src.releases_new} new releases, {src.releases_unchanged} unchanged)"
        )
    for source_id in record.failed_sources:
        if source_id not in {s.source_id for s in record.sources}:
            lines.append(f"  source {source_id}: NOT LOADED (see the Airflow log and quarantine/)")
    if record.plan is not None and record.plan.build:
        lines.append(f"  changed: {'; '.join(record.plan.reasons)[:600]}")
    if record.build is not None:
        what = "what is downstream of new data" if record.build.selection == "new_data" else "everything"
        lines.append(f"  dbt: built {what} ({record.build.nodes} nodes, {len(record.build.models)} models)")
    v = record.validation
    skipped = {s.step for s in record.skipped}
    if v is not None or "validate" not in skipped:
        lines.append(
            f"  validation: {('passed' if v.passed else 'FAILED') + f' ({v.checks} checks)' if v else 'not run'}"
            + (f", {v.carried} results kept for datasets that did not change" if v and v.carried else "")
            + (f"; {len(v.partial)} raw suites read only their new releases' rows" if v and v.partial else "")
            + (f"; {len(v.rule_figures)} rules only their groups" if v and v.rule_figures else "")
        )
    for rep in record.reports:
        counts = ", ".join(f"{k} {n}" for k, n in rep.status_counts.items())
        lines.append(f"  plan {rep.plan_id} ({rep.plan_title}) as of {rep.as_of}: {counts}")
    if record.publish:
        lines.append(f"  serving warehouse: {serving_db} (publish {record.publish.publish_id})")
    elif record.plan is not None and not record.plan.build and record.plan.compared_with:
        lines.append(
            f"  serving warehouse: {serving_db} (publish {record.plan.compared_with}, still current)"
        )
    else:
        lines.append(f"  serving warehouse: not replaced ({serving_db})")
    for rep in record.reports:
        lines.append(f"  report {rep.plan_id}: {rep.html}")
        lines.append(f"  workbook {rep.plan_id}: {rep.xlsx}")
    lines += _skipped_lines(record)
    if v and v.warnings:
        lines.append(f"  quality warnings ({len(v.warnings)}), published anyway:")
        lines += [f"    - {w[:160]}" for w in v.warnings[:5]]
    if record.outcome and record.outcome.problems:
        lines.append("  failed steps:")
        lines += [f"    - {p[:300]}" for p in record.outcome.problems]
    return "\n".join(lines)


STEP_ORDER = ("dbt_build", "validate", "publish", "report")


def _skipped_lines(record: RunRecord) -> list[str]:
    """Skipped steps, one line per reason; the night's "nothing new" reason is said once, at the top."""
    nothing_new = record.plan.reasons[0] if record.plan is not None and not record.plan.build else None
    by_reason: dict[str, list[str]] = {}
    for part in record.skipped:
        by_reason.setdefault(part.reason, []).append(part.step)
    lines = []
    for reason, steps in by_reason.items():
        steps.sort(key=lambda s: STEP_ORDER.index(s) if s in STEP_ORDER else len(STEP_ORDER))
        lines.append(f"  skipped {', '.join(steps)}: {'nothing new' if reason == nothing_new else reason}")
    return lines
