"""What counts as a failed night, and when the serving warehouse is overdue.

The DAG files only wire tasks; these rules live here so that the command line, the finalize task and
the watchdog apply the same ones, and tests can pin them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import DataError
from planwatch.runs import RunRecord

# tasks that fetch or load sources: their failures are reported per source, not again on their own
INGEST_TASKS = ("fetch_sources", "load_sources")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: list[str]


def judge(record: RunRecord) -> Verdict:
    """A night fails if any step that should have run did not succeed; a step skipped for a stated
    reason (nothing new to build) is not a failure. Every problem names the step and its reason."""
    problems: list[str] = []
    if record.start is None:
        return Verdict(False, [f"prepare failed, nothing ran: {_failure_of(record, 'prepare')}"])
    skipped = {s.step: s.reason for s in record.skipped}
    for source in record.sources:
        if source.status in ("rejected", "failed"):
            reason = source.reason or "; ".join(source.rejected) or "see quarantine/"
            problems.append(f"source {source.source_id} not loaded: {reason}")
    reported = {s.source_id for s in record.sources}
    for source_id in record.start.sources:
        if source_id not in reported:
            fetch = next((f for f in record.fetched if f.source_id == source_id and f.error), None)
            failed = [f for f in record.failures if f.task_id.startswith(INGEST_TASKS)]
            if fetch is not None:
                reason = f"fetch failed: {fetch.error}"
            else:
                reason = f"{failed[0].task_id}: {failed[0].error}" if failed else "no load was recorded"
            problems.append(f"source {source_id} not loaded: {reason}")
    if record.validation is None and "validate" not in skipped:
        problems.append(f"build or validation failed: {_failure_of(record, 'dbt_build', 'validate')}")
    elif record.validation is not None and not record.validation.passed:
        problems.append("validation failed: " + "; ".join(record.validation.blocking[:5]))
    if record.publish is None and "publish" not in skipped:
        problems.append(f"not published: {_failure_of(record, 'publish')}")
    elif record.publish is not None:
        for export in record.publish.failed_exports:
            problems.append(f"{export.name} export failed (the warehouse was published): {export.error}")
    if "report" not in skipped:
        for failure in record.failures:
            if failure.task_id.startswith("report"):
                problems.append(f"report failed: {failure.error}")
    known = ("prepare", *INGEST_TASKS, "plan_night", "dbt_build", "validate", "publish", "report", "finalize")
    for failure in record.failures:
        if not failure.task_id.startswith(known):
            problems.append(f"{failure.task_id} failed: {failure.error}")
    return Verdict(not problems, problems)


def _failure_of(record: RunRecord, *task_prefixes: str) -> str:
    for failure in record.failures:
        if failure.task_id.startswith(task_prefixes):
            return f"{failure.task_id}: {failure.error}"
    if record.failures:  # the step did not run: name the earliest failure, the cause
        first = min(record.failures, key=lambda f: f.at)
        return f"did not run ({first.task_id} failed: {first.error})"
    return "did not run"


class NightOverdue(DataError):
    """No run of tonight finished well by the deadline: the watchdog fails, and its failure alerts."""


def night_start(at: datetime, timezone: str, start: time) -> datetime:
    """The start of the night a check at `at` is about: today's nightly start in the district's time,
    or yesterday's if the check runs before it."""
    local = at.astimezone(ZoneInfo(timezone))
    begin = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    return begin if begin <= local else begin - timedelta(days=1)


def check_night(record: RunRecord | None, at: datetime, timezone: str, start: time) -> RunRecord:
    """`record` is the newest run that started since tonight's start (or None). The night is fine when
    that run finished and its verdict was ok: it published, or found nothing new and said so."""
    since = night_start(at, timezone, start)
    if record is None or record.start is None:
        raise NightOverdue(f"no nightly run started since {since:%Y-%m-%d %H:%M} {timezone}")
    if record.outcome is None:
        raise NightOverdue(
            f"the nightly run {record.run_id} started at {record.start.started_at:%H:%M} UTC has not finished"
        )
    if not record.outcome.ok:
        raise NightOverdue(f"the nightly run {record.run_id} failed: " + "; ".join(record.outcome.problems))
    return record
