"""return_review_log: the planning office's review decisions, as exported from its own system (CSV).

One file per reporting month beside that month's returns (`returns/{year}-{month:02d}/review_log.csv`),
exported again whenever a decision is added; each export is a new release, and only decisions not yet
recorded are added (a decision's id is derived from return, decision, reviewer and time). Columns, by
header (full-width or half-width):

    填报单位   bureau code or name (交通运输局)     填报月份  2024-06 or 2024年6月 (the folder's month)
    版本       1 for the first file of that month, 2 for the next ... (optional)
    填报文件   the return's file name or the first 8+ characters of its sha256 (optional: else 单位+月份+版本)
    审核结果   已接受 / 已退回 / 已重新打开 (or accepted / sent_back / reopened)
    审核人, 审核时间 (2024-07-05 15:30), 理由 (required to send back or reopen)

Each decision must name a loaded return and follow the review rules (ingest/formats/progress_return/
review.py); one that does not rejects the log whole, like any release. Why a format of its own and not a
part of progress_return: it is a different file from a different sender (the office, not a bureau), read
by header like a CSV export, with its own checks; both write through the same OwnTables hook.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import Location, UsageError
from ingest.errors import Finding, ReleaseError
from ingest.formats.base import (
    Cells,
    Format,
    OwnTables,
    Proposal,
    RecordLoad,
    RecordsWritten,
    ReleaseContext,
    SampleRelease,
    Strict,
)
from ingest.formats.progress_return import history, review
from ingest.formats.progress_return.catalog import load_catalog
from ingest.formats.progress_return.layout import normal
from ingest.formats.progress_return.values import nfkc

if TYPE_CHECKING:
    import duckdb

    from ingest.registry import Source

COLUMNS = {  # role -> headers it may have
    "bureau": ("填报单位", "单位", "单位代码"),
    "month": ("填报月份", "月份"),
    "version": ("版本", "版本号"),
    "file": ("填报文件", "文件", "文件名", "SHA256"),
    "decision": ("审核结果", "结果"),
    "reviewer": ("审核人",),
    "decided_at": ("审核时间",),
    "reason": ("理由", "退回理由", "原因"),
}
REQUIRED = ("bureau", "month", "decision", "reviewer", "decided_at")
DECISION_WORDS = {
    "accepted": ("已接受", "接受", "通过", "审核通过", "accepted"),
    "sent_back": ("已退回", "退回", "sent_back"),
    "reopened": ("已重新打开", "重新打开", "reopened"),
}
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_TIME = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


class ReturnReviewLogOptions(Strict):
    """The planning office's exported review log (no options: columns are found by their headers)."""


@dataclass(frozen=True)
class ReviewLine:
    file_row: int
    bureau: str
    year: int
    month: int
    version: int | None
    file_ref: str | None
    decision: str
    reviewer: str
    decided_at: datetime
    reason: str | None


def _problem(where: Location, problem: str, found: list[Finding]) -> ReleaseError:
    more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
    return ReleaseError(where, problem + more, "a review log as 审核记录 exports it", findings=tuple(found))


def _finding(row: int | None, column: str | None, problem: str) -> Finding:
    return Finding("review_log", problem, problem, "", "审核记录", row, None, column)


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030")  # strict: a file in neither is rejected with the byte


def read(data: Path | bytes, source: Source, ctx: ReleaseContext) -> Cells:
    content = data if isinstance(data, bytes) else data.read_bytes()
    where = Location(source.id, ctx.file_name)
    try:
        rows = list(csv.reader(io.StringIO(_text(content))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ReleaseError(where, f"not a readable CSV ({exc})", "UTF-8 or GB18030 CSV") from exc
    if not rows:
        raise ReleaseError(where, "the file is empty", "a header and one row per decision")
    header = [normal(h) for h in rows[0]]
    index = {role: next((header.index(normal(n)) for n in names if normal(n) in header), None)
             for role, names in COLUMNS.items()}  # fmt: skip
    missing = [COLUMNS[r][0] for r in REQUIRED if index[r] is None]
    if missing:
        raise ReleaseError(
            where, f"no column {', '.join(missing)} (header: {rows[0]})", "the export's columns"
        )
    lines, found = [], []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            lines.append(_line(n, row, index, ctx))
        except ValueError as exc:
            found.append(_finding(n, None, str(exc)))
    if found:
        raise _problem(Location(source.id, ctx.file_name, None, found[0].row), found[0].problem, found)
    return Cells(records=tuple(lines), record_count=len(lines))


def _line(n: int, row: list[str], index: dict[str, int | None], ctx: ReleaseContext) -> ReviewLine:
    def cell(role: str) -> str:  # matched fields in NFKC; a reason and a name kept as written (，not ,)
        i = index[role]
        text = row[i].strip() if i is not None and i < len(row) else ""
        return text if role in ("reason", "reviewer") else nfkc(text)

    bureaus = load_catalog().bureaus
    named = cell("bureau")
    bureau = named if named in bureaus else next((c for c, zh in bureaus.items() if zh == named), "")
    if not bureau:
        raise ValueError(
            f"填报单位 {named!r} is not a bureau of the catalog (a code or a name of bureaus.csv)"
        )
    m = _MONTH.fullmatch(cell("month"))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"填报月份 {cell('month')!r} is not a month such as 2024-06")
    year, month = int(m.group(1)), int(m.group(2))
    if ctx.year and (year, month) != (ctx.year, ctx.month):
        raise ValueError(f"填报月份 {year}-{month:02d} is not this log's month {ctx.year}-{ctx.month:02d}")
    decision = next((d for d, words in DECISION_WORDS.items() if cell("decision") in words), None)
    if decision is None:
        raise ValueError(f"审核结果 {cell('decision')!r} is not 已接受, 已退回 or 已重新打开")
    if not cell("reviewer"):
        raise ValueError("审核人 is empty")
    decided_at = _time(cell("decided_at"))
    if decided_at.date() > ctx.today:
        raise ValueError(f"审核时间 {decided_at:%Y-%m-%d %H:%M} is after today")
    version = cell("version")
    if version and not version.isdigit():
        raise ValueError(f"版本 {version!r} is not a number")
    return ReviewLine(n, bureau, year, month, int(version) if version else None, cell("file") or None, decision,
                      cell("reviewer"), decided_at, cell("reason") or None)  # fmt: skip


def _time(text: str) -> datetime:
    m = _TIME.fullmatch(text)
    if not m:
        raise ValueError(f"审核时间 {text!r} is not a time such as 2024-07-05 15:30")
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=history.DISTRICT_TIMEZONE)
    except ValueError as exc:
        raise ValueError(f"审核时间 {text!r}: {exc}") from exc


def _resolve(con: duckdb.DuckDBPyConnection, line: ReviewLine, source_id: str) -> review.ReturnRef | None:
    ref = line.file_ref
    if ref and re.fullmatch(r"[0-9a-fA-F]{8,64}", ref):
        try:
            return review.find_return(con, ref)
        except UsageError:
            return None
    if ref:
        rows = con.execute(
            """select l.sha256 from release_loads l join progress_returns r using (source_id, sha256)
               where l.withdrawn_at is null and (l.location = ? or l.location like ?)
                 and r.period_year = ? and r.period_month = ?""",
            [ref, "%/" + ref, line.year, line.month],
        ).fetchall()
        return review.find_return(con, rows[0][0]) if len(rows) == 1 else None
    return review.return_version(con, line.bureau, line.year, line.month, line.version)


def load(con: duckdb.DuckDBPyConnection, lines: tuple[ReviewLine, ...], job: RecordLoad) -> RecordsWritten:
    """Record every decision not recorded yet, in time order, each checked against the review rules."""
    found: list[Finding] = []
    loaded, known = 0, 0
    for line in sorted(lines, key=lambda x: (x.decided_at, x.file_row)):
        ref = _resolve(con, line, job.source.id)
        if ref is None:
            found.append(_finding(line.file_row, "填报文件", f"names no loaded return ({line.bureau} "
                                  f"{line.year}-{line.month:02d} version {line.version or '?'} {line.file_ref or ''})"))  # fmt: skip
            continue
        rid = review.review_id(ref.sha256, line.decision, line.reviewer, line.decided_at)
        if con.execute("select count(*) from return_reviews where review_id = ?", [rid]).fetchall()[0][0]:
            known += 1
            continue
        try:
            review.record(con, ref, line.decision, line.reviewer, line.decided_at, line.reason)
        except UsageError as exc:
            found.append(_finding(line.file_row, "审核结果", str(exc)))
            continue
        loaded += 1
    if found:
        raise _problem(
            Location(job.source.id, job.ctx.file_name, "审核记录", found[0].row), found[0].problem, found
        )
    first_row = min((x.file_row for x in lines), default=None)
    skipped = {"decision recorded before": (known, first_row, "")} if known else {}
    return RecordsWritten(loaded, skipped)


def write_sample(source: Source, release: SampleRelease) -> bytes:
    """An empty log (the header alone) for `sources check`'s round trip; samples/ writes real ones."""
    return ("\ufeff" + ",".join(names[0] for names in COLUMNS.values()) + "\n").encode("utf-8")


def write_log(lines: list[dict[str, Any]]) -> bytes:
    """A review log as the office's system exports it (UTF-8 with BOM), from rows keyed by role."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([names[0] for names in COLUMNS.values()])
    for line in lines:
        writer.writerow([line.get(role, "") for role in COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def sniff(content: bytes, path: Path) -> bool:
    head = content[:4096].decode("utf-8", "ignore")
    return path.suffix.lower() == ".csv" and "审核结果" in head and "审核人" in head


def propose(content: bytes, path: Path) -> Proposal:
    entry = {
        "id": "bureau_return_reviews",
        "bureau": "development_reform",
        "title": "规划办进展填报审核记录",
        "format": "return_review_log",
        "location": f"{path.parent.parent.name or 'returns'}/{{year}}-{{month:02d}}/{path.name}",
        "release": {
            "frequency": "monthly",
            "description": "审核后导出",
            "day_of_month": 10,
            "lag_months": 1,
            "first_period": f"{date.today().year}-01",
        },  # fmt: skip
        "return_review_log": {},
        "indicators": [],
    }
    return Proposal(entry, ["one review log per reporting month, beside that month's returns"])


FORMAT = Format(
    name="return_review_log",
    options=ReturnReviewLogOptions,
    read=read,
    propose=propose,
    write_sample=write_sample,
    sniff=sniff,
    key_kind="label",
    sandboxed=True,
    tables=OwnTables(
        ddl=history.DDL,
        load=load,
        withdraw_refusal="recorded decisions are history: a later decision (reopen, send back) overrides one",
    ),
)
