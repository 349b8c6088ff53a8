"""The report names each source by its title in the warehouse (marts.dim_sources), since it reads the
published warehouse only; a publish from before dim_sources still makes a report, with the ids shown."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from reporting import generate
from tests.reporting.conftest import AS_OF, PLAN

SOURCE = "stats_monthly_report"  # the 统计月报: the figure of several targets as of September


def served_copy(serving_db: Path, tmp_path: Path, sql: str) -> Path:
    """A copy of the session's publish with one change made to it."""
    copy = tmp_path / "planwatch.duckdb"
    shutil.copyfile(serving_db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(sql)
    return copy


def notes(xlsx: str) -> str:
    wb = load_workbook(xlsx)
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)


def test_titles_are_the_warehouses_not_the_registry_files(
    serving_db: Path, tmp_path: Path, source_titles: dict[str, str]
) -> None:
    renamed = "区统计局统计月报(仓库中的名称)"
    served = served_copy(
        serving_db,
        tmp_path,
        f"update marts.dim_sources set title_zh = '{renamed}' where source_id = '{SOURCE}'",
    )
    out = generate(served, AS_OF, tmp_path / "reports", plan_id=PLAN)
    html = Path(out["html"]).read_text(encoding="utf-8")
    workbook = notes(out["xlsx"])
    assert renamed in html and renamed in workbook
    assert source_titles[SOURCE] not in html and source_titles[SOURCE] not in workbook


def test_a_publish_without_dim_sources_shows_the_ids_and_says_so(
    serving_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    served = served_copy(serving_db, tmp_path, "drop view serving.sources; drop table marts.dim_sources")
    with caplog.at_level(logging.WARNING, logger="reporting.queries"):
        out = generate(served, AS_OF, tmp_path / "reports", plan_id=PLAN)
    assert SOURCE in Path(out["html"]).read_text(encoding="utf-8")
    assert any("dim_sources" in r.getMessage() for r in caplog.records)
