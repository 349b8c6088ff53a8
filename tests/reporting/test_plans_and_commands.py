"""One report per plan: the plan is named in the page, the workbook and the file names; asking for a plan
without progress, or leaving the plan out when several have progress, is one clear line, not a traceback;
`planwatch report` and `planwatch publish export-sdmx` work from the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import load_workbook

from core.errors import UsageError
from reporting import generate
from reporting.queries import resolve_plan
from tests.reporting.conftest import AS_OF, PLAN, REPO

BIN = Path(sys.executable).parent


def test_the_plan_is_named_in_the_page_the_workbook_and_the_file_names(generated: dict[str, Any]) -> None:
    assert generated["plan_id"] == PLAN and generated["plan_title"] == "区人民政府2024年工作计划"
    html = Path(generated["html"]).read_text(encoding="utf-8")
    assert "<h1>区人民政府2024年工作计划目标任务完成情况</h1>" in html
    assert PLAN in Path(generated["html"]).name and PLAN in Path(generated["xlsx"]).name
    assert load_workbook(generated["xlsx"])["汇总"]["A1"].value.startswith("区人民政府2024年工作计划")


def test_a_plan_without_progress_that_month_is_a_usage_error_naming_the_plans_that_have(
    serving_db: Path, tmp_path: Path
) -> None:
    with pytest.raises(
        UsageError, match=r"plan 'district_2025' has no progress as of 2024-09 .*district_2024"
    ):
        generate(serving_db, AS_OF, tmp_path, plan_id="district_2025")
    assert list(tmp_path.iterdir()) == []


def test_several_plans_with_progress_need_the_plan_named(tmp_path: Path) -> None:
    path = tmp_path / "two_plans.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_target_progress as select * from (values "
            "('district_2024', date '2025-01-01'), ('district_2025', date '2025-01-01')) as t(plan_id, as_of_month)"
        )
        with pytest.raises(
            UsageError, match="2 plans have progress as of 2025-01 .*district_2024, district_2025"
        ):
            resolve_plan(con, None, date(2025, 1, 1))
        assert resolve_plan(con, "district_2025", date(2025, 1, 1)) == "district_2025"


@pytest.fixture
def state(serving_db: Path, tmp_path: Path) -> dict[str, str]:
    """A state folder whose serving warehouse is the session's publish, and the environment pointing at it."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    shutil.copyfile(serving_db, warehouse / "planwatch.duckdb")
    return dict(os.environ, PLANWATCH_HOME=str(REPO), PLANWATCH_STATE_DIR=str(tmp_path))


def planwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "planwatch"), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_report_command_writes_the_plans_page_and_workbook(state: dict[str, str]) -> None:
    proc = planwatch(state, "report", "--plan", PLAN, "--as-of", "2024-09")
    assert proc.returncode == 0, proc.stderr
    reports = Path(state["PLANWATCH_STATE_DIR"]) / "reports"
    assert (reports / f"progress_{PLAN}_2024-09.html").is_file()
    assert (reports / f"目标任务完成情况表_{PLAN}_2024-09.xlsx").is_file()
    assert "区人民政府2024年工作计划" in proc.stdout


def test_report_command_for_an_unknown_plan_is_one_line_and_exit_code_2(state: dict[str, str]) -> None:
    proc = planwatch(state, "report", "--plan", "county_1999", "--as-of", "2024-09")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "county_1999" in proc.stderr


def test_export_sdmx_command_writes_the_dataflow(state: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out" / "indicators.csv"
    proc = planwatch(
        state, "publish", "export-sdmx", "--out", str(out), "--dataflow", "ZJ_DISTRICT:DF_PLAN(2.0)"
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("dataflow,ZJ_DISTRICT:DF_PLAN(2.0),I,")
