"""Reading a plan text file: UTF-8 (a BOM is accepted), with one clear line for anything else."""

from __future__ import annotations

import re
from pathlib import Path

from core.errors import DataError

_CJK = re.compile(r"[\u4e00-\u9fff]")
_YEAR = re.compile(r"(20\d{2})\s*年")
_TITLE_YEAR = re.compile(r"(20\d{2})\s*年[^。\n]{0,20}(计划|报告|要点|安排|目标)")


class PlanInputError(DataError):
    """A plan text, draft or catalog file cannot be used; the message names the file and what was expected."""


def read_plan_text(path: Path) -> str:
    """Read a plan as UTF-8 text (a BOM is accepted) or raise PlanInputError saying what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise PlanInputError(f"{path}: no such file; expected a UTF-8 text file with the work plan") from exc
    except OSError as exc:
        raise PlanInputError(f"{path}: cannot be read ({exc.strerror}); expected a UTF-8 text file") from exc
    if not data.strip():
        raise PlanInputError(f"{path}: the file is empty; expected the text of a Chinese work plan (UTF-8)")
    if b"\x00" in data[:4096]:
        raise PlanInputError(
            f"{path}: looks like a binary file (or UTF-16 text); expected a UTF-8 text file with the plan"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanInputError(_not_utf8(path, data, exc)) from exc
    if not _CJK.search(text):
        raise PlanInputError(f"{path}: contains no Chinese text; expected the text of a Chinese work plan")
    return text


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError) -> str:
    try:
        gbk = data.decode("gb18030")
    except UnicodeDecodeError:
        gbk = ""
    if _CJK.search(gbk):
        return (
            f"{path}: is not UTF-8 (it reads as GBK/GB18030); expected UTF-8 text. "
            f"Convert it first, e.g. iconv -f GB18030 -t UTF-8"
        )
    return f"{path}: is not UTF-8 text (invalid byte at offset {exc.start}); expected a UTF-8 text file"


def infer_plan_year(text: str) -> int | None:
    """The year in the plan's title (the first year named in its first lines)."""
    head = text[:300]
    match = _TITLE_YEAR.search(head) or _YEAR.search(head)
    return int(match.group(1)) if match else None
