"""The shapes a progress return takes: the registry options, the records read from a returned file (what
the loader writes into the raw tables of the contract), and the template a bureau fills in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import Field

from ingest.formats.base import Strict


class ProgressReturnOptions(Strict):
    """A bureau progress return (进展填报): the template planwatch writes, filled in and sent back."""

    progress_text_max: int = Field(500, ge=20, le=5000, description="characters of 进展情况")
    evidence_max: int = Field(200, ge=10, le=2000, description="characters of 佐证材料 (a reference)")
    note_max: int = Field(200, ge=10, le=2000, description="characters of 说明")
    return_to: str = Field(
        "填好后请将本文件提交至区发展和改革局（规划办）进展填报报送目录，文件名以单位代码开头，勿改动表格结构",
        description="how a bureau returns the file, as the template's instructions say it",
    )


REPORTER_MAX = 20  # characters of 填报人


@dataclass(frozen=True)
class ReturnRow:
    """One target in a returned file, as loaded into progress_return_rows."""

    target_id: str
    file_row: int
    cumulative_value: float | None
    milestone_state: str | None
    next_stage: str | None
    next_stage_date: date | None
    progress_text: str | None
    evidence_ref: str | None
    note: str | None


@dataclass(frozen=True)
class ReturnRecords:
    """A returned file read and checked: what it claims to be and its rows (progress_returns)."""

    bureau_code: str
    plan_id: str
    year: int
    month: int
    reporter: str | None
    phone: str | None
    submitted_on: date | None
    rows: tuple[ReturnRow, ...]


@dataclass(frozen=True)
class Filled:
    """What a row of a template says in its input cells (blank in a fresh template; a sample fills them).
    Values are written as given: numbers, dates, or text as a bureau would type it."""

    cumulative_value: float | str | None = None
    milestone_state: str | None = None  # a label (在建) or a code
    next_stage: str | None = None
    next_stage_date: date | str | None = None
    progress_text: str | None = None
    evidence_ref: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class TemplateRow:
    """One target of the bureau, with the last accepted figure and state (blank when there is none)."""

    target_id: str
    last_month: str | None = None  # 2024年8月
    last_value: float | None = None
    last_state: str | None = None  # its label
    filled: Filled = field(default_factory=Filled)


@dataclass(frozen=True)
class ReturnBook:
    """Everything a template says: whose it is, for which month, when it is due, and one row per target."""

    plan_id: str
    bureau_code: str
    year: int
    month: int
    due: date
    due_working_day: int
    rows: list[TemplateRow]
    options: ProgressReturnOptions = field(default_factory=lambda: ProgressReturnOptions.model_validate({}))
    drop_folder: str | None = None  # where the file goes back (a drop folder of the registry entry)
    reporter: str | None = None
    phone: str | None = None
    submitted_on: date | str | None = None
