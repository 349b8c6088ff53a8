"""Bureau progress returns through the whole warehouse: the sample statistics plus a few months of returns
from three bureaus (tests/dbt/returns_fixture.py) in a real raw DuckDB file, one real dbt build, and the
marts read back: data paths, the review flow and its vintages, the submission calendar, and statuses.

Expected values come from the fixture's own figures and dates and from the calendar recomputed here in
Python from the workday_exceptions seed, not from the build.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations.quality_rules import load_rules, run_rules
from tests.conftest import REPO, Warehouse
from tests.dbt.returns_fixture import returns_for_every_target, write_returns
from tests.dbt.test_dbt_build import DBT_PROJECT, dbt_build, plan_targets, query

AS_OF = date(2024, 9, 1)


@dataclass
class ReturnsBuild:
    raw_db: Path
    build_db: Path


@pytest.fixture(scope="module")
def returns_build(returns_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> ReturnsBuild:
    """The sample data plus sample_returns() in a real raw file, and one real dbt build of it (the
    session's, tests/conftest.py): this module's own copy of both files."""
    state = tmp_path_factory.mktemp("returns_state")
    raw, build = state / "raw.duckdb", state / "build.duckdb"
    shutil.copyfile(returns_warehouse.raw_db, raw)
    shutil.copyfile(returns_warehouse.build_db, build)
    return ReturnsBuild(raw, build)


def progress(build: Path, target_id: str, month: date = AS_OF) -> dict[str, Any]:
    rows = query(build, "select * from marts.fct_target_progress where target_id = ? and as_of_month = ?",
                 [target_id, month])  # fmt: skip
    names = [r[0] for r in query(build, "describe marts.fct_target_progress")]
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


def due_dates_2024(working_day: int) -> dict[int, date]:
    """The N-th working day of the next month, from the seed's holidays and make-up days (Python's calendar)."""
    with (DBT_PROJECT / "seeds" / "config" / "workday_exceptions.csv").open(encoding="utf-8") as fh:
        exceptions = {date.fromisoformat(r["day"]): r["is_workday"] == "true" for r in csv.DictReader(fh)}
    due = {}
    for month in range(1, 10):
        day, count = date(2024, month + 1, 1), 0
        while True:
            if exceptions.get(day, day.weekday() < 5):
                count += 1
                if count == working_day:
                    break
            day += timedelta(days=1)
        due[month] = day
    return due


def threshold(name: str) -> float:
    with (DBT_PROJECT / "seeds" / "config" / "status_thresholds.csv").open(encoding="utf-8") as fh:
        return next(float(r["value"]) for r in csv.DictReader(fh) if r["threshold"] == name)


def test_a_bureau_return_is_the_figure_where_no_statistic_is_published(returns_build: ReturnsBuild) -> None:
    """新增研发中心10家: August's accepted 7 (September's return is still pending review)."""
    row = progress(returns_build.build_db, "T2024-035")
    assert (row["figure_source"], row["figure_source_zh"], row["data_month_no"]) == (
        "bureau_return",
        "部门填报",
        8,
    )
    assert row["actual_value"] == 7 and row["completion_rate"] == pytest.approx(0.7)
    assert row["gap_pp"] == pytest.approx(100 * (0.7 - 8 / 12))
    assert row["status"] == "on_track" and not row["is_unreviewed"]
    assert row["return_accepted_by"] == "李明" and row["return_review_state"] == "accepted"


def test_the_statistic_wins_and_the_bureau_return_still_explains_it(returns_build: ReturnsBuild) -> None:
    for target, words in (("T2024-040", "科技贷发放进度偏慢"), ("T2024-142", "两客一危")):
        row = progress(returns_build.build_db, target)
        assert row["figure_source"] == "statistic" and row["source_id"] != "bureau_progress_returns"
        assert words in str(row["return_progress_text"])
    # 科技贷 is registered as annual but has monthly data: judged, 9.5 points behind 序时
    loans = progress(returns_build.build_db, "T2024-040")
    assert loans["status"] == "off_track" and round(loans["gap_pp"], 1) == -9.5


def test_milestones_are_judged_against_their_planned_stages(returns_build: ReturnsBuild) -> None:
    limit = threshold("milestone_off_track_days_late")
    metro = progress(
        returns_build.build_db, "T2024-088"
    )  # 主体完工 planned 31 August: 30 days by 30 September
    assert metro["missed_stage_days_late"] == (date(2024, 9, 30) - date(2024, 8, 31)).days == 30
    assert metro["status"] == ("at_risk" if limit >= 30 else "off_track")
    assert "主体完工" in metro["status_reason"] and "已逾期30天" in metro["status_reason"]
    avenue = progress(returns_build.build_db, "T2024-091")  # 在建 planned 30 August: 31 days
    assert avenue["missed_stage_days_late"] == 31
    assert avenue["status"] == ("at_risk" if limit >= 31 else "off_track")
    started = progress(returns_build.build_db, "T2024-090")  # 开工 target, reported 在建 since May
    assert (started["status"], started["milestone_goal_stage"]) == ("achieved", "under_construction")
    on_plan = progress(returns_build.build_db, "T2024-089")
    assert on_plan["status"] == "on_track" and on_plan["next_stage_date"] == date(2024, 11, 30)
    no_plan = progress(returns_build.build_db, "T2024-092")
    assert no_plan["status"] == "not_yet_assessable" and "未报计划节点" in no_plan["status_reason"]


def test_every_accepted_version_is_kept_with_who_accepted_it(returns_build: ReturnsBuild) -> None:
    """June was revised by a second file accepted on 16 July: both versions stay, each with its reviewer."""
    versions = query(
        returns_build.build_db,
        """
        select vintage_no, reported_value, accepted_by, valid_from, valid_to, is_current
        from marts.fct_target_return_vintages
        where target_id = 'T2024-035' and report_month = date '2024-06-01' order by vintage_no
        """,
    )
    assert [(v[0], v[1], v[2]) for v in versions] == [(1, 5.0, "李明"), (2, 6.0, "王芳")]
    assert versions[0][4] == versions[1][3] and not versions[0][5] and versions[1][5]
    states = dict(
        query(
            returns_build.build_db,
            "select bureau_code || '-' || report_month_no || '-' || submission_no, review_state "
            "from marts.fct_progress_returns",
        )
    )
    assert states["science_tech-9-1"] == "pending"
    assert (states["transport-4-1"], states["transport-4-2"]) == ("sent_back", "accepted")
    assert states["housing_construction-2-1"] == "reopened"


def test_a_reopened_month_no_longer_counts_and_an_old_figure_is_not_current(
    returns_build: ReturnsBuild,
) -> None:
    """住建局's February was reopened and nothing came after January: as of September that is no data."""
    row = progress(returns_build.build_db, "T2024-079")
    assert row["status"] == "no_data" and row["status_rule"] == "stale_return" and row["data_month_no"] == 1
    assert "2月以来的填报未报送或未通过审核" in row["status_reason"]
    february = progress(returns_build.build_db, "T2024-079", date(2024, 2, 1))
    assert february["data_month_no"] == 1  # February's figure no longer counts, even as of February


def test_timeliness_against_the_working_day_calendar(returns_build: ReturnsBuild) -> None:
    due = due_dates_2024(int(threshold("return_due_working_day")))
    rows = query(
        returns_build.build_db,
        "select bureau_code, report_month_no, due_date, timeliness, late_working_days from marts.fct_return_timeliness "
        "where plan_id = 'district_2024' and bureau_code in ('science_tech', 'transport', 'housing_construction')",
    )
    assert {(b, m): d for b, m, d, _, _ in rows} == {
        (b, m): due[m] for b in ("science_tech", "transport", "housing_construction") for m in range(1, 10)
    }
    status = {(b, m): (t, n) for b, m, _, t, n in rows}
    # March's return arrived on 10 April, due on the 8th (Monday): the 9th and 10th are 2 working days
    assert due[3] == date(2024, 4, 8) and status[("science_tech", 3)] == ("late", 2)
    assert status[("transport", 4)] == ("on_time", 0)  # sent back, but first submitted on time
    assert status[("transport", 9)][0] == "missing"
    assert [status[("housing_construction", m)][0] for m in range(1, 10)] == ["on_time"] * 2 + ["missing"] * 7
    rates = dict(
        query(
            returns_build.build_db,
            "select bureau_code, return_timeliness_rate from marts.fct_bureau_summary "
            "where plan_id = 'district_2024' and as_of_month = ?",
            [AS_OF],
        )
    )
    assert rates["science_tech"] == pytest.approx(8 / 9) and rates["transport"] == pytest.approx(8 / 9)
    assert rates["housing_construction"] == pytest.approx(2 / 9) and rates["water"] == 0


def test_no_figure_is_no_data_with_what_is_missing_and_coverage_lists_every_target(
    returns_build: ReturnsBuild,
) -> None:
    targets = [t for t, r in plan_targets().items() if r["plan_id"] == "district_2024"]
    rows = query(
        returns_build.build_db,
        "select target_id, figure_source, status, missing_zh from marts.fct_target_data_coverage "
        "where as_of_month = ?",
        [AS_OF],
    )
    assert sorted(r[0] for r in rows) == sorted(targets)
    for target, source, status, missing in rows:
        if source == "none":
            assert status in ("no_data", "not_yet_assessable") and missing, target
        if status == "no_data" and source == "none":
            assert missing.startswith("暂无数据:") and ("未接入统计数据来源" in missing or "尚无" in missing)
    by_source = {s: sum(1 for r in rows if r[1] == s) for s in ("statistic", "bureau_return", "none")}
    assert by_source["bureau_return"] >= 9 and by_source["statistic"] >= 20
    # in January, before the first return is due, a target with nothing yet is not yet assessable
    january = query(
        returns_build.build_db,
        "select distinct status from marts.fct_target_progress where as_of_month = date '2024-01-01' "
        "and figure_source = 'none'",
    )
    assert {s for (s,) in january} == {"not_yet_assessable"}


def test_late_and_missing_returns_are_quality_rule_failures(returns_build: ReturnsBuild) -> None:
    """The quality rules of config/quality_rules.yml name each month missing this year and each late return
    of the as-of month, as the validation step collects them into quality.check_results."""
    rules = [r for r in load_rules(REPO / "config" / "quality_rules.yml") if r.kind == "return_timeliness"]
    assert {r.id for r in rules} == {"bureau_returns_missing", "bureau_returns_late"}
    with duckdb.connect(str(returns_build.build_db), read_only=True) as con:
        september = {rule.id: failing for rule, failing in run_rules(con, rules, {}, AS_OF, date(2026, 1, 5))}
        march = {
            rule.id: failing
            for rule, failing in run_rules(con, rules, {}, date(2024, 3, 1), date(2026, 1, 5))
        }
    by_id = september
    missing = {(row[1], row[2]) for row in by_id["bureau_returns_missing"]}
    assert ("交通运输局", "2024-09") in missing and ("科学技术局", "2024-03") not in missing
    assert {("住房和城乡建设局", f"2024-{m:02d}") for m in range(3, 10)} <= missing
    assert by_id["bureau_returns_late"] == []  # no return for September arrived late
    assert [(r[1], r[3], r[5]) for r in march["bureau_returns_late"]] == [("科学技术局", "逾期", 2)]


def test_with_every_target_returned_at_most_ten_are_not_assessable_each_saying_what_is_missing(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    """Issue 12's bar for the demo, on the sample statistics and a return for every target every month."""
    targets = [r for r in plan_targets().values() if r["plan_id"] == "district_2024"]
    state = tmp_path / "state"
    (state / "warehouse").mkdir(parents=True)
    raw, build = state / "warehouse" / "raw.duckdb", state / "warehouse" / "build.duckdb"
    shutil.copyfile(built_warehouse.raw_db, raw)
    write_returns(raw, returns_for_every_target(targets))
    proc = dbt_build(state, raw, build, "--exclude", "test_type:unit")
    assert proc.returncode == 0, proc.stdout[-4000:]
    rows = query(
        build,
        "select target_id, figure_source, status, status_reason from marts.fct_target_progress "
        "where plan_id = 'district_2024' and as_of_month = ?",
        [AS_OF],
    )
    assert len(rows) == len(targets)
    with_a_figure = [r for r in rows if r[1] != "none"]
    waiting = [r for r in rows if r[2] in ("not_yet_assessable", "no_data")]
    assert len(with_a_figure) >= 140 and len(waiting) <= 10
    for target_id, _, _, reason in waiting:  # what is missing: history, a base, a planned stage, data
        assert any(w in reason for w in ("历史", "上年末", "计划节点", "暂无", "等待")), (target_id, reason)
