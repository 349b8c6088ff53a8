"""The checks a returned file must pass on its own, against the catalog: every problem found, not only the
first, so that one reply lists all a bureau has to fix. (The checks against earlier returns need the raw
layer and are made when the file is loaded: history.py.)

- the file belongs where it claims: its stamp names a plan, bureau and month of the catalog; the month is
  the drop folder's; a file name that names a bureau names the stamp's; every row's target is the
  bureau's and the plan's, once;
- the header block: 填报人 and 联系电话 given, a phone number that looks like one, a submission date that is
  a date, not before the month reported and not after today;
- each filled row: numbers in the row's unit and within the kind's range (whole numbers for counts), no
  number on a milestone; states and next stages from the list, a milestone's state, and unless it is done
  its next stage and date, the next stage ahead of the state, the date within the plan's window; 佐证材料
  for a done state; texts within their length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from ingest.errors import Finding
from ingest.formats.base import ReleaseContext
from ingest.formats.progress_return import layout as L
from ingest.formats.progress_return.catalog import Catalog, Plan, Target
from ingest.formats.progress_return.messages import finding
from ingest.formats.progress_return.model import REPORTER_MAX, ProgressReturnOptions, ReturnRecords, ReturnRow
from ingest.formats.progress_return.reading import RawReturn, RawRow, blank
from ingest.formats.progress_return.rowrules import check_row


@dataclass(frozen=True)
class Claim:
    """What the stamp says the file is."""

    plan: Plan
    bureau: str
    year: int
    month: int


def check(
    raw: RawReturn, catalog: Catalog, opts: ProgressReturnOptions, ctx: ReleaseContext
) -> tuple[ReturnRecords | None, list[Finding]]:
    """The records of a returned file and every problem found in it (records None when unusable)."""
    findings = list(raw.findings)
    claim = _claim(raw.stamp, catalog, ctx, findings)
    if claim is None or raw.findings:
        return None, findings
    reporter, phone, submitted = _header(raw.header, claim, opts, ctx, findings)
    rows = _rows(raw.rows, claim, catalog, opts, findings)
    if not rows and not findings:
        findings.append(finding("nothing_filled", sheet=L.SHEET, row=L.FIRST_ROW))
    records = ReturnRecords(claim.bureau, claim.plan.plan_id, claim.year, claim.month, reporter, phone, submitted,
                            tuple(rows))  # fmt: skip
    return records, findings


def _claim(stamp: dict[str, str], catalog: Catalog, ctx: ReleaseContext, out: list[Finding]) -> Claim | None:
    plan = catalog.plans.get(stamp.get("plan_id", ""))
    bureau = stamp.get("bureau_code", "")
    month_text = stamp.get("month", "")
    for what, value, ok in (
        ("plan", stamp.get("plan_id", ""), plan is not None),
        ("bureau", bureau, bureau in catalog.bureaus),
        ("month", month_text, _month(month_text) is not None),
    ):
        if not ok:
            out.append(finding("stamp_unknown", sheet=L.STAMP, what=what, value=value))
    ym = _month(month_text)
    if plan is None or ym is None or bureau not in catalog.bureaus:
        return None
    year, month = ym
    if year != plan.year:
        out.append(finding("month_outside_plan", month=month_text, plan=plan.plan_id, year=plan.year,
                           plan_title=plan.title_zh))  # fmt: skip
    if ctx.year and (ctx.year, ctx.month) != (year, month):
        out.append(finding("month_not_folder", sheet=L.SHEET, row=L.TITLE_ROW, stamped=f"{year}年{month}月",
                           folder=f"{ctx.year}年{ctx.month}月"))  # fmt: skip
    named = catalog.bureau_named(PurePosixPath(ctx.file_name).stem)
    if named is not None and named != bureau:
        out.append(finding("file_names_other_bureau", named=named, bureau=bureau,
                           named_zh=catalog.bureaus[named], bureau_zh=catalog.bureaus[bureau]))  # fmt: skip
    return Claim(plan, bureau, year, month)


def _month(text: str) -> tuple[int, int] | None:
    parts = text.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return int(parts[0]), int(parts[1])
    return None


def _header(
    header: dict[str, Any], claim: Claim, opts: ProgressReturnOptions, ctx: ReleaseContext, out: list[Finding]
) -> tuple[str | None, str | None, date | None]:
    from ingest.formats.progress_return.values import date_of, phone_ok, text_of

    where: dict[str, Any] = {"sheet": L.SHEET, "row": 3}
    reporter, phone = text_of(header["reporter"]), text_of(header["phone"])
    if reporter is None:
        out.append(
            finding("required", column="B", header="填报人", what="reporter", what_zh="填报人", **where)
        )
    elif len(reporter) > REPORTER_MAX:
        out.append(finding("too_long", column="B", header="填报人", what="reporter", what_zh="填报人",
                           length=len(reporter), limit=REPORTER_MAX, **where))  # fmt: skip
    if phone is None:
        out.append(
            finding("required", column="E", header="联系电话", what="phone", what_zh="联系电话", **where)
        )
    elif not phone_ok(phone):
        out.append(finding("phone_format", column="E", header="联系电话", value=phone, **where))
    submitted = None
    try:
        submitted = date_of(header["submitted"])
    except ValueError:
        out.append(finding("date_unreadable", column="H", header="填报日期", what="submission date",
                           what_zh="填报日期", value=text_of(header["submitted"]), **where))  # fmt: skip
    if submitted is not None and submitted > ctx.today:
        out.append(
            finding(
                "submitted_future", column="H", header="填报日期", value=submitted, today=ctx.today, **where
            )
        )
    elif submitted is not None and submitted < date(claim.year, claim.month, 1):
        out.append(finding("submitted_before_month", column="H", header="填报日期", value=submitted,
                           month=f"{claim.year}年{claim.month}月", **where))  # fmt: skip
    return reporter, phone, submitted


def _rows(
    rows: list[RawRow], claim: Claim, catalog: Catalog, opts: ProgressReturnOptions, out: list[Finding]
) -> list[ReturnRow]:
    seen: dict[str, int] = {}
    kept: list[ReturnRow] = []
    for raw in rows:
        target = _target(raw, claim, catalog, seen, out)
        for key, value in raw.errors.items():
            out.append(finding("error_cell", sheet=L.SHEET, row=raw.file_row, column=L.letter(key),
                               header=L.BY_KEY[key].header, value=value))  # fmt: skip
        if target is None or all(blank(raw.values[k]) for k in L.INPUTS):
            continue  # a target not reported this month: not loaded
        row = check_row(raw, target, claim.plan, catalog, opts, out)
        if row is not None:
            kept.append(row)
    return kept


def _target(
    raw: RawRow, claim: Claim, catalog: Catalog, seen: dict[str, int], out: list[Finding]
) -> Target | None:
    from ingest.formats.progress_return.values import text_of

    where: dict[str, Any] = {
        "sheet": L.SHEET,
        "row": raw.file_row,
        "column": L.letter("target_id"),
        "header": "目标编号",
    }
    target_id = text_of(raw.values["target_id"]) or ""
    target = catalog.targets.get(target_id)
    if target is None:
        out.append(finding("target_unknown", target=target_id or "（空）", **where))
        return None
    if target.bureau != claim.bureau:
        out.append(finding("target_other_bureau", target=target_id, owner=target.bureau, bureau=claim.bureau,
                           owner_zh=catalog.bureaus.get(target.bureau, target.bureau), **where))  # fmt: skip
        return None
    if target.plan_id != claim.plan.plan_id:
        out.append(finding("target_other_plan", target=target_id, target_plan=target.plan_id,
                           plan=claim.plan.plan_id, **where))  # fmt: skip
        return None
    if target_id in seen:
        out.append(
            finding("target_twice", target=target_id, first=seen[target_id], again=raw.file_row, **where)
        )
        return None
    seen[target_id] = raw.file_row
    return target
