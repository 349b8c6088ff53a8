"""Bureau progress returns written into a raw DuckDB file the way ingest's returns loader writes them.

The three tables follow the contract between returns ingest and the warehouse (dbt_project/README.md,
"Bureau progress returns"); the returns below are a small, hand-made month-by-month history of three bureaus
of the 2024 plan, with one of each thing the review flow and the calendar must handle: a late return, a
missing one, a return sent back and resubmitted, a revision of an accepted month, an accepted month
reopened, and a return still pending review.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

CST = timezone(timedelta(hours=8))
PLAN = "district_2024"
SOURCE = "bureau_progress_returns"

RETURNS_DDL = """
create table if not exists progress_returns (
    source_id varchar not null, sha256 varchar not null, bureau_code varchar not null, plan_id varchar not null,
    period_year integer not null, period_month integer not null, submitted_at timestamptz not null,
    reporter varchar, phone varchar, row_count integer not null, load_id varchar not null,
    loaded_at timestamptz not null, primary key (source_id, sha256)
);
create table if not exists progress_return_rows (
    sha256 varchar not null, target_id varchar not null, file_row integer not null, cumulative_value double,
    milestone_state varchar, next_stage varchar, next_stage_date date, progress_text varchar,
    evidence_ref varchar, note varchar, primary key (sha256, target_id)
);
create table if not exists return_reviews (
    review_id varchar primary key, sha256 varchar not null, decision varchar not null, reviewer varchar not null,
    decided_at timestamptz not null, reason varchar
);
"""


@dataclass(frozen=True)
class Row:
    value: float | None = None
    state: str | None = None
    next_stage: str | None = None
    next_stage_date: date | None = None
    text: str | None = None
    evidence: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ReturnFile:
    bureau: str
    month: int
    submitted: datetime
    rows: dict[str, Row]
    reporter: str = "张三"
    version: int = 1
    # (decision, when, reason, reviewer)
    decisions: list[tuple[str, datetime, str | None, str]] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        key = f"{self.bureau}|{self.month}|{self.version}|{sorted(self.rows.items())}"
        return hashlib.sha256(key.encode()).hexdigest()


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


def accepted(day: date, by: str = "李明") -> tuple[str, datetime, str | None, str]:
    return ("accepted", at(day, 15), None, by)


def write_returns(raw: Path, files: list[ReturnFile], *, replace: bool = True) -> None:
    """Create the returns tables (as ingest does on connect) and load the files and their reviews, in
    place of any returns the raw file already holds: a copy of the session's sample raw layer carries the
    bundled samples' returns under the same source id, and the two histories must not mix. With
    replace=False, beside them: a later night's returns."""
    with duckdb.connect(str(raw)) as con:
        con.execute(RETURNS_DDL)
        for table in ("return_reviews", "progress_return_rows", "progress_returns") if replace else ():
            con.execute(f"delete from {table}")
        for f in files:
            con.execute(
                "insert into progress_returns values (?, ?, ?, ?, 2024, ?, ?, ?, '0574-00000000', ?, 'fixture',"
                " ?)",
                [
                    SOURCE,
                    f.sha256,
                    f.bureau,
                    PLAN,
                    f.month,
                    f.submitted,
                    f.reporter,
                    len(f.rows),
                    f.submitted,
                ],
            )
            for no, (target, r) in enumerate(sorted(f.rows.items()), start=5):
                con.execute(
                    "insert into progress_return_rows values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [f.sha256, target, no, r.value, r.state, r.next_stage, r.next_stage_date, r.text,
                     r.evidence, r.note],
                )  # fmt: skip
            for i, (decision, when, reason, reviewer) in enumerate(f.decisions):
                con.execute(
                    "insert into return_reviews values (?, ?, ?, ?, ?, ?)",
                    [f"{f.sha256[:12]}-{i}", f.sha256, decision, reviewer, when, reason],
                )


def due_ok(month: int) -> date:
    """A day that is on time for every month's return (the 3rd of the next month is a working day or
    before the 5th working day in 2024; October's 5th working day is the 12th after National Day)."""
    return date(2024, month + 1, 3) if month != 9 else date(2024, 10, 9)


def science_tech() -> list[ReturnFile]:
    """科技局: every month, March's two working days late, June revised, September still pending."""
    counts = [1, 1, 2, 3, 4, 5, 6, 7, 8]  # 新增省高新技术企业研发中心 (target 10)
    incubators = [0, 0, 0, 0, 1, 1, 1, 1, 1]  # 省市级科技企业孵化器 (target 2)
    files = []
    for m in range(1, 10):
        rows = {
            "T2024-035": Row(counts[m - 1], text=f"截至{m}月新增研发中心{counts[m - 1]}家"),
            "T2024-036": Row(incubators[m - 1]),
            "T2024-040": Row(text="科技贷发放进度偏慢,已与三家银行对接"),
        }
        submitted = at(date(2024, 4, 10)) if m == 3 else at(due_ok(m))
        decisions = [] if m == 9 else [accepted(submitted.date() + timedelta(days=1))]
        files.append(ReturnFile("science_tech", m, submitted, rows, decisions=decisions))
    june = dict(files[5].rows, **{"T2024-035": Row(6, text="补报一家研发中心", note="6月认定名单补发")})
    files.append(
        ReturnFile(
            "science_tech",
            6,
            at(date(2024, 7, 15)),
            june,
            version=2,
            decisions=[accepted(date(2024, 7, 16), "王芳")],
        )
    )
    return files


def transport() -> list[ReturnFile]:
    """交通运输局: milestones against planned stages; April sent back and resubmitted; September missing."""
    files = []
    for m in range(1, 9):
        rows = {
            # 3号线二期建成通车: 主体完工 planned by 31 August, still 在建 at the end of September
            "T2024-088": Row(state="under_construction", next_stage="main_works_done",
                             next_stage_date=date(2024, 8, 31), evidence="施工许可证"),
            # 常洪大桥开工: on its planned stages, 开工 planned for 30 November
            "T2024-089": Row(state="preparing", next_stage="under_construction", next_stage_date=date(2024, 11, 30)),
            # 镇浦路开工: started in May (goal reached)
            "T2024-090": Row(state="under_construction" if m >= 5 else "preparing",
                             evidence="开工令" if m >= 5 else None),
            # 沿江大道开工: 开工 planned for 30 August, missed by 31 days at the end of September
            "T2024-091": Row(state="preparing", next_stage="under_construction", next_stage_date=date(2024, 8, 30)),
            # 康桥北路: a state but no planned stage
            "T2024-092": Row(state="preparing"),
            "T2024-093": Row(m + 1, text="优化公交线路"),
            "T2024-142": Row(text="开展“两客一危”专项整治"),
        }  # fmt: skip
        decisions = [accepted(due_ok(m))]
        if m == 4:
            decisions = [("sent_back", at(date(2024, 5, 6), 16), "佐证材料缺失", "李明")]
        files.append(ReturnFile("transport", m, at(due_ok(m)), rows, decisions=decisions))
        if m == 4:
            files.append(
                ReturnFile(
                    "transport",
                    4,
                    at(date(2024, 5, 9)),
                    rows,
                    version=2,
                    decisions=[accepted(date(2024, 5, 10))],
                )
            )
    return files


def housing() -> list[ReturnFile]:
    """住房和城乡建设局: January and February only; February accepted, then reopened."""
    jan = ReturnFile(
        "housing_construction", 1, at(due_ok(1)), {"T2024-079": Row(1)}, decisions=[accepted(due_ok(1))]
    )
    feb = ReturnFile(
        "housing_construction",
        2,
        at(due_ok(2)),
        {"T2024-079": Row(3)},
        decisions=[accepted(due_ok(2)), ("reopened", at(date(2024, 3, 20), 9), "片区数口径有误", "王芳")],
    )
    return [jan, feb]


def sample_returns() -> list[ReturnFile]:
    return science_tech() + transport() + housing()


def returns_for_every_target(targets: list[dict[str, str]], months: range = range(1, 10)) -> list[ReturnFile]:
    """Every bureau returns every one of its targets every month, on time and accepted: counts and amounts
    a little ahead of 序时, rates at their target, a 5% fall for decreases, stocks at 95%, projects 在建
    with 主体完工 planned for the end of November. What the done-when of issue 12 asks of the demo."""
    by_bureau: dict[str, list[dict[str, str]]] = {}
    for t in targets:
        by_bureau.setdefault(t["responsible_bureau"], []).append(t)
    files = []
    for bureau, own in sorted(by_bureau.items()):
        for m in months:
            rows = {t["target_id"]: _plausible(t, m) for t in own}
            files.append(ReturnFile(bureau, m, at(due_ok(m)), rows, decisions=[accepted(due_ok(m))]))
    return files


def _plausible(target: dict[str, str], month: int) -> Row:
    value = float(target["target_value"] or 0)
    kind = target["kind"]
    if kind == "milestone":
        return Row(
            state="under_construction", next_stage="main_works_done", next_stage_date=date(2024, 11, 30)
        )
    if kind in ("count", "level"):
        return Row(round(value * month / 12 * 1.02, 2), text="按计划推进")
    if kind == "stock":
        return Row(value * 0.95)
    if kind == "decrease":
        return Row(-5.0)
    return Row(value)
