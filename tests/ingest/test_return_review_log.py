"""The planning office's review log (format return_review_log): decisions exported as CSV beside a month's
returns, each naming a loaded return and following the review rules, loaded once however often the log is
exported again."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.formats.return_review_log import write_log
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import load_registry
from tests.conftest import REPO
from tests.returns.books import SOURCE, book, workbook

REVIEWS = load_registry(REPO / "config" / "sources")["bureau_return_reviews"]
TODAY = date(2025, 1, 31)


@pytest.fixture
def paths(tmp_path: Path) -> IngestPaths:
    p = IngestPaths(tmp_path / "data", tmp_path / "landing", tmp_path / "quarantine", tmp_path / "raw.duckdb")
    folder = p.data_root / "returns" / "2024-04"
    folder.mkdir(parents=True)
    (folder / "commerce.xlsx").write_bytes(workbook(book("commerce")))
    (folder / "transport.xlsx").write_bytes(workbook(book("transport")))
    (folder / "transport_v2.xlsx").write_bytes(workbook(book("transport", submitted_on=date(2024, 5, 9))))
    assert ingest_source(SOURCE, p, date(2024, 4, 1), today=TODAY).releases_new == 3
    return p


def line(bureau: str, decision: str, at: str, **more: Any) -> dict[str, Any]:
    return {
        "bureau": bureau,
        "month": "2024-04",
        "decision": decision,
        "reviewer": "李明",
        "decided_at": at,
    } | more


def log(paths: IngestPaths, lines: list[dict[str, Any]], encoding: str = "utf-8") -> Any:
    content = write_log(lines)
    if encoding != "utf-8":
        content = content.decode("utf-8").lstrip("\ufeff").encode(encoding)
    (paths.data_root / "returns" / "2024-04" / "review_log.csv").write_bytes(content)
    return ingest_source(REVIEWS, paths, date(2024, 4, 1), today=TODAY)


def decisions(paths: IngestPaths) -> list[tuple]:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        return con.execute(
            """select r.bureau_code, row_number() over (partition by r.bureau_code order by r.submitted_at),
                      v.decision, v.reviewer, v.reason
               from return_reviews v join progress_returns r using (sha256) order by v.decided_at"""
        ).fetchall()


def test_decisions_name_returns_by_bureau_name_and_version_or_by_file(paths: IngestPaths) -> None:
    result = log(paths, [
        line("商务局", "已接受", "2024-05-06 10:00"),
        line("transport", "已退回", "2024-05-06 11:00", version=1, reason="进展情况过于简略"),
        line("交通运输局", "通过", "2024-05-10 09:30", file="transport_v2.xlsx"),
    ])  # fmt: skip
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert [(b, d, r) for b, _, d, _, r in decisions(paths)] == [
        ("commerce", "accepted", None), ("transport", "sent_back", "进展情况过于简略"), ("transport", "accepted", None)
    ]  # fmt: skip


def test_a_log_exported_again_adds_only_the_new_decisions(paths: IngestPaths) -> None:
    first = [line("commerce", "已接受", "2024-05-06 10:00")]
    assert log(paths, first).rows_loaded == 1
    again = log(paths, [*first, line("commerce", "已重新打开", "2024-06-02 09:00", reason="口径调整")])
    assert again.rows_loaded == 1 and len(decisions(paths)) == 2
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        skips = con.execute("select reason, figures from release_skips").fetchall()
    assert skips == [("decision recorded before", 1)]


def test_a_gb18030_export_is_read(paths: IngestPaths) -> None:
    assert log(paths, [line("商务局", "已接受", "2024/5/6 10:00")], encoding="gb18030").rows_loaded == 1


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ([line("commerce", "已接受", "2024-05-06 10:00"), line("commerce", "已退回", "2024-05-07 10:00", reason="x")],
         "the return is accepted; allowed: reopened"),
        ([line("commerce", "已退回", "2024-05-06 10:00")], "sent_back needs a reason"),
        ([line("commerce", "已退回", "2024-05-06 10:00", reason="缺佐证"),
          line("commerce", "已接受", "2024-05-07 10:00")], "allowed: nothing: the bureau sends a corrected file"),
        ([line("transport", "已接受", "2024-05-06 10:00")], "names no loaded return"),  # two files, no version
        ([line("commerce", "已接受", "2024-05-01 10:00")], "before it arrived"),
        ([line("commerce", "已接受", "2025-05-01 10:00")], "is after today"),
        ([line("commerce", "同意", "2024-05-06 10:00")], "is not 已接受, 已退回 or 已重新打开"),
        ([line("某某局", "已接受", "2024-05-06 10:00")], "is not a bureau of the catalog"),
        ([line("commerce", "已接受", "2024-05-06 10:00", month="2024-05")], "is not this log's month 2024-04"),
    ],
)  # fmt: skip
def test_a_decision_against_the_rules_rejects_the_log_whole(
    paths: IngestPaths, lines: list[dict[str, Any]], problem: str
) -> None:
    result = log(paths, lines)
    assert result.status == "rejected" and problem in result.rejected[0], result.rejected
    assert decisions(paths) == []
