"""Bureau progress returns through the pipeline: a drop folder fetched and landed, each file loaded into the
raw tables of the contract in its release's transaction, the checks against the bureau's earlier returns,
a rejected file answered once with a reply beside it in quarantine, reprocessing, and the registry table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from ingest import raw_store
from ingest.formats.maintenance import reprocess_source
from ingest.formats.progress_return.catalog import Target
from ingest.formats.progress_return.messages import RULES
from ingest.formats.progress_return.model import Filled
from ingest.locations import HostAllowlist, check_location
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import Source
from tests.ingest.test_progress_return import BAD_CELLS
from tests.returns.books import SOURCE, book, edit, row_of, workbook

TODAY = date(2025, 1, 31)
CST = timezone(timedelta(hours=8))


@pytest.fixture
def paths(tmp_path: Path) -> IngestPaths:
    return IngestPaths(
        tmp_path / "data", tmp_path / "landing", tmp_path / "quarantine", tmp_path / "raw.duckdb"
    )


def drop(paths: IngestPaths, month: int, name: str, content: bytes) -> None:
    folder = paths.data_root / "returns" / f"2024-{month:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)


def run(paths: IngestPaths, month: int = 12) -> Any:
    return ingest_source(SOURCE, paths, date(2024, month, 1), today=TODAY)


def query(paths: IngestPaths, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(paths.raw_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def commerce(month: int, value_004: float, note: str | None = None) -> bytes:
    def rows(t: Target) -> Filled:
        return Filled(cumulative_value=value_004 if t.target_id == "T2024-004" else 1.0, note=note)

    return workbook(book("commerce", month=month, rows=rows))


def test_a_drop_folder_loads_one_return_per_file_into_the_contract_tables(paths: IngestPaths) -> None:
    drop(paths, 4, "commerce.xlsx", workbook(book("commerce")))
    drop(paths, 4, "transport.xlsx", workbook(book("transport")))
    result = run(paths, 4)
    assert (result.status, result.releases_new, result.rows_loaded) == ("loaded", 2, 20)
    returns = query(paths, "select bureau_code, plan_id, period_year, period_month, submitted_at, reporter, phone,"
                           " row_count from progress_returns order by bureau_code")  # fmt: skip
    submitted = datetime(2024, 5, 3, tzinfo=CST)
    assert returns == [
        ("commerce", "district_2024", 2024, 4, submitted, "张伟", "0574-86181234", 10),
        ("transport", "district_2024", 2024, 4, submitted, "张伟", "0574-86181234", 10),
    ]
    loads = query(paths, "select row_count, figures_read, figures_skipped, release_date from release_loads")
    assert sorted(loads) == [(10, 10, 0, date(2024, 5, 3))] * 2
    rows = query(
        paths, "select count(*), count(milestone_state), count(next_stage_date) from progress_return_rows"
    )
    assert rows == [(20, 5, 5)]
    assert query(paths, "select source_id, bureau_code, format, location from sources") == [
        (
            "bureau_progress_returns",
            "development_reform",
            "progress_return",
            "returns/{year}-{month:02d}/*.xlsx",
        )
    ]


def test_an_empty_drop_folder_is_not_published_yet(paths: IngestPaths) -> None:
    result = run(paths, 2)
    assert result.releases_new == 0 and result.releases_missing == 2


def test_a_cumulative_amount_that_falls_without_a_note_rejects_the_return_and_answers_the_bureau(
    paths: IngestPaths,
) -> None:
    drop(paths, 4, "commerce.xlsx", commerce(4, 60.0))
    drop(paths, 5, "commerce.xlsx", commerce(5, 55.0))
    result = run(paths, 5)
    assert (result.status, result.releases_new, len(result.answered), result.rejected) == ("loaded", 1, 1, [])
    assert "cumulative 55 is below 60 reported for 2024年4月" in result.answered[0]
    folder = next((paths.quarantine / "bureau_progress_returns").iterdir())
    assert sorted(p.name for p in folder.iterdir()) == [
        "REASON.txt",
        "commerce.xlsx",
        "commerce_问题标注.xlsx",
        "回复.txt",
    ]
    text = (folder / "回复.txt").read_text(encoding="utf-8")
    assert text.startswith("商务局：\n贵单位报送的2024年5月目标任务进展填报表（commerce.xlsx）未通过校验")
    assert "累计完成值55低于2024年4月已报的60，且未填写说明" in text
    marked = openpyxl.load_workbook(folder / "commerce_问题标注.xlsx")
    assert marked.sheetnames[0] == "问题清单"
    cell = marked["填报表"][f"K{row_of(commerce(5, 55.0), 'T2024-004')}"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "累计数不应下降" in cell.comment.text
    again = run(paths, 5)  # answered once: the same bytes are not parsed and answered every night
    assert (again.releases_new, again.answered, again.releases_unchanged) == (0, [], 2)


def test_a_fall_with_a_note_is_loaded(paths: IngestPaths) -> None:
    drop(paths, 4, "commerce.xlsx", commerce(4, 60.0))
    drop(paths, 5, "commerce.xlsx", commerce(5, 55.0, note="核减重复统计项目，调减5亿元"))
    assert run(paths, 5).releases_new == 2


def test_a_milestone_that_moves_back_without_a_note_is_rejected(paths: IngestPaths) -> None:
    april = workbook(book("transport"))
    drop(paths, 4, "transport.xlsx", april)
    r = row_of(april, "T2024-088")
    may = edit(workbook(book("transport", month=5)), {f"L{r}": "前期工作", f"M{r}": "在建"})
    drop(paths, 5, "transport.xlsx", may)
    result = run(paths, 5)
    assert result.releases_new == 1 and "state preparing is behind under_construction" in result.answered[0]


def test_a_return_sent_back_is_not_what_a_later_month_is_compared_with(paths: IngestPaths) -> None:
    drop(paths, 4, "commerce.xlsx", commerce(4, 60.0))
    run(paths, 4)
    with raw_store.connect(paths.raw_db) as con:
        sha = con.execute("select sha256 from progress_returns").fetchall()[0][0]
        con.execute("insert into return_reviews values ('r1', ?, 'sent_back', '李明', ?, '数字有误')",
                    [sha, datetime(2024, 5, 6, tzinfo=UTC)])  # fmt: skip
    drop(paths, 5, "commerce.xlsx", commerce(5, 55.0))
    assert run(paths, 5).answered == []


def test_reprocessing_the_source_replaces_each_returns_rows_and_keeps_the_decisions(
    paths: IngestPaths,
) -> None:
    drop(paths, 4, "commerce.xlsx", workbook(book("commerce")))
    run(paths, 4)
    with raw_store.connect(paths.raw_db) as con:
        sha = con.execute("select sha256 from progress_returns").fetchall()[0][0]
        con.execute("insert into return_reviews values ('r1', ?, 'accepted', '李明', ?, null)",
                    [sha, datetime(2024, 5, 6, tzinfo=UTC)])  # fmt: skip
    done = reprocess_source(SOURCE, paths, today=TODAY)
    assert [(r.figures_before, r.figures_after) for r in done] == [(10, 10)]
    assert query(paths, "select count(*) from progress_return_rows") == [(10,)]
    assert query(paths, "select count(*) from release_loads where withdrawn_at is not null") == [(1,)]
    assert query(paths, "select decision from return_reviews where sha256 = ?", [sha]) == [("accepted",)]


def test_a_wildcard_names_a_drop_folder_only_in_a_file_name(tmp_path: Path) -> None:
    def problems(location: str) -> list[str]:
        entry = SOURCE.model_dump() | {"location": location}
        return check_location(Source.model_validate(entry), tmp_path, HostAllowlist.parse("returns.example.gov.cn"),
                              resolver=None)  # fmt: skip

    assert problems("returns/{year}-{month:02d}/*.xlsx") == []
    assert "a wildcard may stand in the file name only" in problems("returns/*/{year}-{month:02d}.xlsx")[0]
    assert "only a file location can be" in problems("https://returns.example.gov.cn/{year}/*.xlsx")[0]


def test_a_records_format_takes_no_indicators_and_a_figures_format_needs_them() -> None:
    entry = SOURCE.model_dump()
    with pytest.raises(ValueError, match="loads records of its own"):
        Source.model_validate(entry | {"indicators": [{"label": "x", "code": "fai_total"}]})
    figures = entry | {"format": "csv_table", "progress_return": None,
                       "csv_table": {"period_column": "期", "label_column": "指标", "columns": {"值": "ytd_value"}}}  # fmt: skip
    with pytest.raises(ValueError, match="at least one indicator"):
        Source.model_validate(figures)


def test_every_check_of_a_return_has_a_test() -> None:
    """Issue 12: one bad template per validation rule."""
    here = {c[0] for c in BAD_CELLS} | {"cumulative_fell", "milestone_backward"}
    elsewhere = {  # tests/ingest/test_progress_return.py, beside BAD_CELLS
        "stamp_unknown", "month_not_folder", "file_names_other_bureau", "month_outside_plan", "nothing_filled",
        "not_a_template", "number_out_of_range",
    }  # fmt: skip
    assert here | elsewhere == set(RULES)
