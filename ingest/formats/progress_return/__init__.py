"""progress_return: bureau progress returns (进展填报), the templates planwatch issues, filled in and sent back.

A return is a record per target, with text, for tables of its own (the contract with the warehouse:
progress_returns, progress_return_rows, return_reviews), not figures of indicators: so the format
declares those tables (base.OwnTables) and loads its records itself, in the release's transaction, after
checking them against the bureau's earlier returns. Everything else is as for any format: the registry
entry (a drop folder such as `returns/{year}-{month:02d}/*.xlsx`), landing, the parse worker, quarantine,
vintages by sha256, `sources reprocess`.

    catalog.py   the plan catalog and milestone states the checks use (the dbt seeds)
    model.py     options, the records read, the template's content
    layout.py    where things sit in the workbook (shared by the writer and the reader)
    workbook.py  the template writer (openpyxl): locked cells, validation, drop-downs, the stamp
    guide.py     the 填报说明 sheet
    reading.py   the workbook read into values (python-calamine, guarded)
    values.py    numbers, dates and phone numbers as bureaus type them
    messages.py  every check by code, in English for the log and in Chinese for the bureau
    rules.py     the checks on the file alone; rowrules.py those on one row
    history.py   the tables, the checks against earlier returns, and the load
    reply.py     the reply to a rejected return: a text and a marked copy of the workbook
    review.py    the planning office's decisions (accept, send back, reopen) and their rules
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats.base import Cells, Format, OwnTables, Proposal, ReleaseContext, SampleRelease
from ingest.formats.progress_return import history, layout
from ingest.formats.progress_return.catalog import load_catalog
from ingest.formats.progress_return.messages import finding
from ingest.formats.progress_return.model import Filled, ProgressReturnOptions, ReturnBook, TemplateRow
from ingest.formats.progress_return.reading import read_workbook
from ingest.formats.progress_return.reply import reply
from ingest.formats.progress_return.rules import check

if TYPE_CHECKING:
    from ingest.registry import Source


def options_of(source: Source) -> ProgressReturnOptions:
    opts = source.options
    assert isinstance(opts, ProgressReturnOptions)
    return opts


def read(data: Path | bytes, source: Source, ctx: ReleaseContext) -> Cells:
    """A returned file checked on its own; every problem found rejects it, each with its cell."""
    content = data if isinstance(data, bytes) else data.read_bytes()
    try:
        raw = read_workbook(content, source, ctx.file_name)
    except ReleaseError as exc:
        if exc.findings:
            raise
        f = finding("not_a_template", detail=exc.problem)
        raise ReleaseError(exc.where, exc.problem, exc.expected, findings=(f,)) from exc
    catalog = load_catalog()
    records, findings = check(raw, catalog, options_of(source), ctx)
    if findings or records is None:
        first = findings[0]
        extra = {}
        if raw.stamp.get("bureau_code") in catalog.bureaus:
            extra["bureau_zh"] = catalog.bureaus[raw.stamp["bureau_code"]]
        year, _, month = raw.stamp.get("month", "").partition("-")
        if year.isdigit() and month.isdigit():
            extra["month_zh"] = f"{int(year)}年{int(month)}月"
        more = f" (and {len(findings) - 1} more problems)" if len(findings) > 1 else ""
        raise ReleaseError(
            Location(source.id, ctx.file_name, first.sheet, first.row, first.column),
            first.problem + more,
            "a return filled in as its 填报说明 says",
            extra,
            tuple(findings),
        )
    return Cells(records=records, record_count=len(records.rows), release_date=records.submitted_on)


def sniff(content: bytes, path: Path) -> bool:
    """A workbook carrying planwatch's stamp sheet."""
    if content[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return f'name="{layout.STAMP}"'.encode() in z.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def propose(content: bytes, path: Path) -> Proposal:
    """An entry for the drop folder a returned template sits in (returns/2024-04/transport.xlsx)."""
    folder = path.parent.name
    monthly = len(folder) == 7 and folder[4] == "-" and folder.replace("-", "").isdigit()
    location = (
        f"{path.parent.parent.name or 'returns'}/{{year}}-{{month:02d}}/*.xlsx"
        if monthly
        else f"{folder}/*.xlsx"
    )
    entry = {
        "id": "bureau_progress_returns",
        "bureau": "development_reform",
        "title": "各责任单位目标任务进展填报",
        "format": "progress_return",
        "location": location,
        "release": {
            "frequency": "monthly",
            "description": "每月第5个工作日前报送上月进展",
            "day_of_month": 7,
            "lag_months": 1,
            "first_period": folder if monthly else f"{date.today().year}-01",
        },
        "progress_return": {},
        "indicators": [],
    }
    return Proposal(entry, ["a drop folder: every .xlsx in it is one bureau's return for the month"])


def write_sample(source: Source, release: SampleRelease) -> bytes:
    """A return as the entry reads it: for `sources check`'s round trip, the first bureau of the plan of
    the release's year with its first target filled in (samples/ writes the real sample returns)."""
    catalog = load_catalog()
    plan = catalog.plan_of_year(release.year)
    if plan is None:
        raise ValueError(f"no plan of {release.year} in the catalog to write a return for")
    bureau = catalog.bureaus_of(plan.plan_id)[0]
    target = catalog.targets_of(plan.plan_id, bureau)[0]
    filled = (
        Filled(milestone_state="preparing", next_stage="under_construction", next_stage_date=target.due_date)
        if target.is_milestone
        else Filled(cumulative_value=1.0, progress_text="按计划推进")
    )
    month_end = date(release.year + release.month // 12, release.month % 12 + 1, 1) - timedelta(days=1)
    book = ReturnBook(
        plan.plan_id, bureau, release.year, release.month, month_end + timedelta(days=7), 5,
        [TemplateRow(target.target_id, filled=filled)], options_of(source), reporter="张三",
        phone="0574-86000000", submitted_on=month_end + timedelta(days=3),
    )  # fmt: skip
    from ingest.formats.progress_return.workbook import write_book  # openpyxl, only to write a sample

    return write_book(book, catalog)


FORMAT = Format(
    name="progress_return",
    options=ProgressReturnOptions,
    read=read,
    propose=propose,
    write_sample=write_sample,
    sniff=sniff,
    key_kind="label",
    sandboxed=True,
    tables=OwnTables(
        ddl=history.DDL,
        load=history.load,
        withdraw_refusal="a bureau return is taken out by the planning office's review, not withdrawn: "
        "`planwatch returns review --send-back SHA --reason ...` (it stays as history)",
    ),
    reply=reply,
)

__all__ = ["FORMAT", "options_of"]
