"""Fill-in templates from the catalog: one .xlsx per bureau for a month (`planwatch returns template`).

Each template lists the bureau's targets of the plan with the last accepted figure and state (from the
published warehouse, when there is one: the current accepted version of the latest earlier month), the
due date from the submission calendar, and the limits and return instructions of the registry's
progress_return entry. The workbook itself is the format's (ingest/formats/progress_return/workbook.py),
so what is issued is exactly what is read back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

import duckdb

from core.contracts import RETURN_VINTAGES
from core.errors import UsageError
from core.settings import Settings
from ingest.formats.progress_return import options_of
from ingest.formats.progress_return.catalog import Catalog, load_catalog
from ingest.formats.progress_return.model import ProgressReturnOptions, ReturnBook, TemplateRow
from ingest.formats.progress_return.workbook import write_book
from ingest.registry import Source, load_registry
from returns.calendar import WorkCalendar, load_calendar

log = logging.getLogger(__name__)

# the accepted versions of bureaus' figures in the published warehouse (dbt: marts/returns)


@dataclass(frozen=True)
class Last:
    month: str | None
    value: float | None
    state: str | None


def returns_source(settings: Settings) -> Source | None:
    """The registry's progress_return entry (its limits and drop folder go into the template)."""
    return next(
        (s for s in load_registry(settings.sources_dir).values() if s.format == "progress_return"), None
    )


def last_accepted(serving: Path, plan_id: str, before: date) -> dict[str, Last]:
    """Per target, the latest accepted figure and state of a month before `before`, from the published
    warehouse (opened read-only, as every reader does); empty when there is none yet."""
    if not serving.exists():
        return {}
    sql = f"""
        select target_id,
               arg_max(strftime(report_month, '%Y年%-m月'), report_month) filter (where reported_value is not null),
               arg_max(reported_value, report_month) filter (where reported_value is not null),
               arg_max(milestone_state, report_month) filter (where milestone_state is not null)
        from {RETURN_VINTAGES}
        where is_current and plan_id = ? and report_month < ?
        group by target_id
    """
    try:
        with duckdb.connect(str(serving), read_only=True) as con:
            rows = con.execute(sql, [plan_id, before]).fetchall()
    except duckdb.CatalogException:
        log.info("%s has no %s yet: templates show no last accepted figures", serving, RETURN_VINTAGES)
        return {}
    return {r[0]: Last(r[1], r[2], r[3]) for r in rows}


def book_for(
    catalog: Catalog,
    calendar: WorkCalendar,
    plan_id: str,
    bureau: str,
    year: int,
    month: int,
    last: dict[str, Last],
    source: Source | None,
) -> ReturnBook:
    """What one bureau's template for a month says."""
    rows = []
    for target in catalog.targets_of(plan_id, bureau):
        found = last.get(target.target_id, Last(None, None, None))
        rows.append(TemplateRow(target.target_id, found.month, found.value, found.state))
    options = options_of(source) if source else ProgressReturnOptions.model_validate({})
    folder = str(PurePosixPath(source.location_for(year, month)).parent) if source else None
    return ReturnBook(
        plan_id, bureau, year, month, calendar.due_date(year, month), calendar.due_working_day, rows,
        options, drop_folder=folder,
    )  # fmt: skip


def write_templates(
    settings: Settings,
    year: int,
    month: int,
    out_dir: Path,
    plan_id: str | None = None,
    bureau: str | None = None,
) -> list[Path]:
    """One template per bureau of the plan (or the one bureau asked for); returns the files written."""
    catalog = load_catalog()
    plan = catalog.plans.get(plan_id) if plan_id else catalog.plan_of_year(year)
    if plan is None:
        known = ", ".join(f"{p.plan_id} ({p.year})" for p in catalog.plans.values())
        raise UsageError(f"no plan {plan_id or f'of {year}'} in the catalog (plans: {known})")
    if plan.year != year:
        raise UsageError(f"plan {plan.plan_id} is the plan of {plan.year}, not of {year}-{month:02d}")
    bureaus = catalog.bureaus_of(plan.plan_id)
    if bureau is not None and bureau not in bureaus:
        raise UsageError(
            f"bureau {bureau!r} has no targets in {plan.plan_id} (bureaus: {', '.join(bureaus)})"
        )
    calendar = load_calendar()
    last = last_accepted(settings.serving_db, plan.plan_id, date(year, month, 1))
    source = returns_source(settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for code in [bureau] if bureau else bureaus:
        book = book_for(catalog, calendar, plan.plan_id, code, year, month, last, source)
        path = out_dir / f"{code}_{year}-{month:02d}.xlsx"
        path.write_bytes(write_book(book, catalog))
        written.append(path)
    return written
