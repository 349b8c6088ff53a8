"""What the validate step of a night of new data reads: the datasets to validate (the changed sources'
raw suites and the marts dbt rebuilt), and the served publish's validation that their older rows keep
(expectations/earlier.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from planwatch.incremental import InputsStore

if TYPE_CHECKING:
    from core.settings import Settings
    from expectations.earlier import EarlierValidation
    from planwatch.runs import BuildOutcome, NightPlan

log = logging.getLogger(__name__)


def validation_scope(plan: NightPlan | None, build: BuildOutcome) -> set[str] | None:
    """The datasets to validate: None (all) unless only raw loads changed since the serving warehouse."""
    if plan is None or plan.changed_sources is None or build.selection != "new_data":
        return None
    return {f"raw_{s}" for s in plan.changed_sources} | set(build.models)


def earlier_validation(settings: Settings, plan: NightPlan | None) -> EarlierValidation | None:
    """The validation of the publish the night's plan was compared with, if it is still the one served
    (its quality table is what the night's results complete) and its fingerprint lists its loads."""
    from expectations.earlier import EarlierValidation
    from publishing.publish import current_publish_id

    if plan is None or plan.compared_with is None:
        return None
    if current_publish_id(settings.serving_db, settings.published_dir) != plan.compared_with:
        log.info("the serving warehouse changed since the night's plan: raw suites validate whole sources")
        return None
    served = InputsStore.of(settings).published(plan.compared_with)
    if served is None or served.fingerprint.raw is None or served.fingerprint.raw.loads is None:
        return None  # a publish from before its loads were recorded
    return EarlierValidation(plan.compared_with, served.fingerprint.raw.loads, settings.serving_db)
