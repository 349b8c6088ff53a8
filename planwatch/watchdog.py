"""The morning check: did tonight's nightly run finish well? (planwatch.policy.check_night)."""

from __future__ import annotations

from datetime import UTC, datetime

from core.settings import Settings, load_settings
from planwatch import policy
from planwatch.runs import RunStore


def check_tonight(at: datetime | None = None, settings: Settings | None = None) -> str:
    """Raise policy.NightOverdue unless a run started since tonight's start finished well; returns a
    one-line description of that run."""
    settings = settings or load_settings()
    schedule = settings.nightly()
    moment = at or datetime.now(UTC)
    since = policy.night_start(moment, schedule.timezone, schedule.start)
    record = RunStore(settings.runs_dir).latest_started_after(since)
    good = policy.check_night(record, moment, schedule.timezone, schedule.start)
    published = f"published {good.publish.publish_id}" if good.publish else "nothing new to publish"
    return f"nightly run {good.run_id} finished well: {published}"
