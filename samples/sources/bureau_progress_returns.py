"""各责任单位进展填报: every bureau's filled-in template for every month of the plans, into the drop folder.

From 2024-01 (the district_2024 plan) to the samples' end (the district_2025 plan from 2025-01), one file
per bureau per month, `<bureau>.xlsx`, submitted on a working day up to its due date (the submission
calendar of returns/calendar.py), with figures from samples/returns_figures.py. And one of each thing the
review flow must handle:

- a late return: 水利局 for 2024-03, three working days after the due date;
- a return rejected for bad content, answered with a reply: 住房和城乡建设局's first file for 2024-05 (a
  phone number that is not one, an amount in 平方米 in a 万平方米 row, 已完成 without 佐证材料), followed two
  days later by a corrected `housing_construction_v2.xlsx`;
- a return sent back and resubmitted: 交通运输局's 2024-04 (进展情况 too thin), then `transport_v2.xlsx`;
- a revision of an accepted month: 科学技术局's 2024-06, accepted, then `science_tech_v2.xlsx` in July
  reporting one more 研发中心 with a 说明;
- a return still pending at the end: 文化广电旅游体育局's 2025-03.

The planning office's decisions on them are the review logs of bureau_return_reviews.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from ingest.formats.progress_return import options_of
from ingest.formats.progress_return.catalog import Catalog, load_catalog, seeds_dir
from ingest.formats.progress_return.model import ReturnBook, TemplateRow
from ingest.formats.progress_return.workbook import write_book
from ingest.registry import Source
from returns.calendar import WorkCalendar, load_calendar
from samples.returns_figures import amount, filled

SOURCE_ID = "bureau_progress_returns"
FIRST = (2024, 1)
TZ = ZoneInfo("Asia/Shanghai")
REPORTERS = ("张伟", "王静", "李娜", "刘洋", "陈磊", "杨帆", "赵敏", "黄鹏")
REVIEWERS = ("李明", "王芳")
LATE = ("water", 2024, 3)
REJECTED = ("housing_construction", 2024, 5)
SENT_BACK = ("transport", 2024, 4)
REVISED = ("science_tech", 2024, 6)
PENDING = ("culture_tourism", 2025, 3)

# (decision, when, reviewer, reason)
Decision = tuple[str, datetime, str, str | None]


@dataclass(frozen=True)
class SampleReturn:
    bureau: str
    year: int
    month: int
    name: str  # the file name in the month's drop folder
    submitted: date
    rows: list[TemplateRow]
    phone: str
    decisions: list[Decision] = field(default_factory=list)
    loaded: bool = True  # False: rejected at ingest, so never reviewed


@cache
def _indicator_codes() -> dict[str, str]:
    import csv

    with (seeds_dir() / "plan_targets.csv").open(encoding="utf-8") as fh:
        return {r["target_id"]: r["indicator_code"] for r in csv.DictReader(fh)}


def _at(day: date, calendar: WorkCalendar, working_days: int, rng: random.Random) -> datetime:
    """A moment `working_days` working days after `day`, in office hours."""
    while working_days > 0:
        day += timedelta(days=1)
        working_days -= calendar.is_workday(day)
    return datetime.combine(day, time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))), TZ)


def _rows(catalog: Catalog, plan_id: str, bureau: str, month: int, seed: int) -> list[TemplateRow]:
    codes = _indicator_codes()
    return [
        TemplateRow(t.target_id, filled=filled(t, month, catalog, codes[t.target_id], seed))
        for t in catalog.targets_of(plan_id, bureau)
    ]


def returns_of_month(year: int, month: int, seed: int) -> list[SampleReturn]:
    """Every bureau's returns for a month, with the office's decisions (empty before FIRST or without a plan)."""
    catalog, calendar = load_catalog(), load_calendar()
    plan = catalog.plan_of_year(year)
    if plan is None or (year, month) < FIRST:
        return []
    out: list[SampleReturn] = []
    for i, bureau in enumerate(catalog.bureaus_of(plan.plan_id)):
        rng = random.Random(f"{seed}-submit-{bureau}-{year}-{month}")
        due = calendar.due_date(year, month)
        first_day = calendar.nth_workday(due.year, due.month, 1)
        submitted = first_day + timedelta(days=rng.randint(0, (due - first_day).days))
        while not calendar.is_workday(submitted):
            submitted -= timedelta(days=1)
        if (bureau, year, month) == LATE:
            submitted = _at(due, calendar, 3, rng).date()
        base = SampleReturn(bureau, year, month, f"{bureau}.xlsx", max(submitted, first_day),
                            _rows(catalog, plan.plan_id, bureau, month, seed),
                            f"0574-8618{i:04d}" if i % 3 else f"1385741{i:04d}")  # fmt: skip
        out += _with_decisions(base, catalog, calendar, seed)
    return out


def _with_decisions(
    r: SampleReturn, catalog: Catalog, calendar: WorkCalendar, seed: int
) -> list[SampleReturn]:
    rng = random.Random(f"{seed}-review-{r.bureau}-{r.year}-{r.month}")
    reviewer = REVIEWERS[rng.randrange(2)]
    accept: Decision = ("accepted", _at(r.submitted, calendar, rng.randint(1, 3), rng), reviewer, None)
    key = (r.bureau, r.year, r.month)
    if key == PENDING:
        return [r]
    if key == REJECTED:
        early = r.submitted - timedelta(days=2)  # still after the month it reports on
        bad = replace(r, submitted=early, phone="0574-8612", rows=_broken(r.rows, catalog), loaded=False)
        fixed = replace(r, name=f"{r.bureau}_v2.xlsx")
        return [
            bad,
            replace(fixed, decisions=[("accepted", _at(fixed.submitted, calendar, 1, rng), reviewer, None)]),
        ]
    if key == SENT_BACK:
        thin = [replace(row, filled=replace(row.filled, progress_text="推进中")) for row in r.rows]
        back = (
            "sent_back",
            _at(r.submitted, calendar, 1, rng),
            reviewer,
            "进展情况过于简略，请补充各项目本月形象进度",
        )
        v2 = replace(r, name=f"{r.bureau}_v2.xlsx", submitted=back[1].date() + timedelta(days=1))
        v2_ok: Decision = ("accepted", _at(v2.submitted, calendar, 1, rng), reviewer, None)
        return [replace(r, rows=thin, decisions=[back]), replace(v2, decisions=[v2_ok])]
    if key == REVISED:
        return _revision(r, catalog, calendar, accept, seed)
    return [replace(r, decisions=[accept])]


def _broken(rows: list[TemplateRow], catalog: Catalog) -> list[TemplateRow]:
    """The rejected file's mistakes: an amount in 平方米 in a 万平方米 row, 已完成 without 佐证材料."""
    out: list[TemplateRow] = []
    for row in rows:
        target = catalog.targets[row.target_id]
        f = row.filled
        if target.unit_raw == "万平方米" and isinstance(f.cumulative_value, float):
            f = replace(f, cumulative_value=f"{f.cumulative_value * 10000:.0f}平方米")
        elif target.is_milestone and not any(r.filled.milestone_state == "已完成" for r in out):
            f = replace(f, milestone_state="已完成", next_stage=None, next_stage_date=None, evidence_ref=None)
        out.append(replace(row, filled=f))
    return out


def _revision(
    r: SampleReturn, catalog: Catalog, calendar: WorkCalendar, accept: Decision, seed: int
) -> list[SampleReturn]:
    """June first reported one 研发中心 short (the count of May); in July a v2 reports June's own count."""
    rows = list(r.rows)
    for i, row in enumerate(rows):
        target = catalog.targets[row.target_id]
        may, june = amount(target, r.month - 1, seed), row.filled.cumulative_value
        if target.kind == "count" and isinstance(june, float) and may is not None and june > may:
            rows[i] = replace(row, filled=replace(row.filled, cumulative_value=may))
            revised = replace(row, filled=replace(row.filled, note="补报6月新认定的1家，系统补录后更正"))
            v2_rows = [revised if j == i else x for j, x in enumerate(r.rows)]
            v2_day = date(r.year, r.month + 1, 15)
            v2 = replace(r, name=f"{r.bureau}_v2.xlsx", submitted=v2_day, rows=v2_rows)
            rng = random.Random(f"{seed}-revision")
            v2_ok: Decision = ("accepted", _at(v2_day, calendar, 1, rng), REVIEWERS[1], None)
            return [replace(r, rows=rows, decisions=[accept]), replace(v2, decisions=[v2_ok])]
    return [replace(r, decisions=[accept])]


def files(source: Source, year: int, month: int, seed: int) -> dict[str, bytes]:
    """The month's drop folder: file name -> the filled-in workbook."""
    catalog, calendar = load_catalog(), load_calendar()
    out = {}
    for r in returns_of_month(year, month, seed):
        plan = catalog.plan_of_year(year)
        assert plan is not None
        reporter = REPORTERS[sum(map(ord, r.bureau)) % len(REPORTERS)]
        book = ReturnBook(plan.plan_id, r.bureau, year, month, calendar.due_date(year, month),
                          calendar.due_working_day, r.rows, options_of(source), reporter=reporter,
                          phone=r.phone, submitted_on=r.submitted)  # fmt: skip
        out[r.name] = write_book(book, catalog)
    return out
