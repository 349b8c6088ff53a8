"""The validation gate on a real dbt build of the sample data: passes clean, blocks bad raw data."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pytest

from expectations.earlier import EarlierValidation, carried_results
from expectations.quality_rules import figure_sources, load_rules
from expectations.results import ValidationReport
from expectations.runner import Dataset, _run_suites, validate_build
from expectations.suites import SuiteContext
from ingest.errors import RegistryError
from ingest.registry import load_registry
from planwatch.fingerprint import raw_fingerprint
from publishing.publish import publish
from tests.conftest import REPO, Warehouse

pytestmark = pytest.mark.slow
SOURCES = load_registry(REPO / "config" / "sources")
FIGURES = {s.id for s in figure_sources(SOURCES)}  # sources of figures: the raw suites and freshness
RULES = REPO / "config" / "quality_rules.yml"


def _validate(wh: Warehouse, raw: Path, tmp_path: Path | None = None):
    return validate_build(
        wh.build_db,
        raw,
        sources=SOURCES,
        rules_file=RULES,
        as_of=date(2024, 9, 1),
        data_docs_dir=tmp_path / "docs" if tmp_path else None,
        today=date(2024, 10, 31),
    )


def _tampered_raw(wh: Warehouse, tmp_path: Path, sql: str) -> Path:
    raw = tmp_path / "raw.duckdb"
    shutil.copyfile(wh.raw_db, raw)
    with duckdb.connect(str(raw)) as con:
        con.execute(sql)
    return raw


def test_the_sample_build_passes_and_renders_data_docs(built_warehouse: Warehouse, tmp_path: Path) -> None:
    report = _validate(built_warehouse, built_warehouse.raw_db, tmp_path)
    assert report.success, report.summary()
    datasets = {c.dataset for c in report.checks}
    assert {f"raw_{s}" for s in FIGURES} | {"fct_target_progress", "quality_rules"} <= datasets
    assert (tmp_path / "docs" / "index.html").exists()
    freshness = {c.dataset: c for c in report.checks if c.check == "source_freshness"}
    assert set(freshness) == {f"raw_{s}" for s in FIGURES}
    stats = freshness["raw_stats_monthly_report"]
    assert stats.success and "最新发布2024-10-15" in (stats.detail or ""), stats.detail
    rows = report.rows()
    assert len(rows) == len(report.checks) and {"dataset", "check_name", "passed"} <= rows[0].keys()


def test_a_growth_rate_off_by_a_decimal_point_blocks_publishing(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    raw = _tampered_raw(
        built_warehouse,
        tmp_path,
        """update observation_values set value = 590 where period_year = 2024 and period_end_month = 9
           and (release_no, series_no) in (select release_no, series_no from release_series
                where indicator_code = 'retail_sales' and measure = 'ytd_growth_pct')""",
    )
    report = _validate(built_warehouse, raw)
    assert not report.success
    failure = next(c for c in report.blocking_failures if c.dataset == "raw_stats_monthly_report")
    assert failure.check == "expect_column_values_to_be_between" and failure.column == "value"
    assert failure.failing_rows == 1 and failure.sample == [590.0]
    assert "raw_stats_monthly_report.value" in report.summary()


def test_tech_investment_above_fai_breaks_a_cross_indicator_rule(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    raw = _tampered_raw(
        built_warehouse,
        tmp_path,
        """update observation_values set value = 999 where period_year = 2024 and period_end_month = 6
           and (release_no, series_no) in (select release_no, series_no from release_series
                where indicator_code = 'industrial_tech_investment' and measure = 'ytd_value')""",
    )
    report = _validate(built_warehouse, raw)
    names = {c.check for c in report.blocking_failures}
    assert "tech_investment_within_fai" in names
    assert "ytd_flow_never_decreases" in names  # 999 in June, ~120 in July
    rule = next(c for c in report.blocking_failures if c.check == "tech_investment_within_fai")
    assert rule.failing_rows == 1 and "2024" in rule.sample[0]


def test_a_night_of_new_data_validates_what_changed_and_keeps_the_other_results(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    full = _validate(built_warehouse, built_warehouse.raw_db)
    serving = tmp_path / "planwatch.duckdb"
    publish(built_warehouse.build_db, serving, tmp_path / "published", quality=full.rows())

    scope = {"raw_stats_monthly_report", "fct_target_progress"}
    part = validate_build(
        built_warehouse.build_db, built_warehouse.raw_db, sources=SOURCES, rules_file=RULES,
        as_of=date(2024, 9, 1), today=date(2024, 10, 31), datasets=scope,
    )  # fmt: skip
    assert part.success and part.datasets == scope
    suites = {
        c.dataset for c in part.checks if c.dataset != "quality_rules" and c.check != "source_freshness"
    }
    assert suites == scope
    # the SQL rules and every source's freshness run in full every night
    assert {c.check for c in part.checks if c.dataset == "quality_rules"} == {
        c.check for c in full.checks if c.dataset == "quality_rules"
    }
    assert sum(c.check == "source_freshness" for c in part.checks) == len(FIGURES)

    kept = carried_results(serving, part.datasets)
    kept_sets = {r["dataset"] for r in kept}
    assert kept_sets == {c.dataset for c in full.checks} - scope - {"quality_rules"}
    assert all(r["check_name"] != "source_freshness" for r in kept)
    assert len(kept) + len(part.checks) == len(full.checks)


def test_a_rule_file_with_a_mistake_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yml"
    bad.write_text("rules:\n  - {id: x, kind: not_greater_than, severity: blocking, description_zh: d}\n")
    with pytest.raises(RegistryError, match="needs left, right and measure"):
        load_rules(bad)
    bad.write_text("rules:\n  - {id: x, kind: nonsense, severity: blocking, description_zh: d}\n")
    with pytest.raises(RegistryError, match=r"rules\.yml: invalid rule: kind"):
        load_rules(bad)


NEWEST = "select max(release_no) from release_loads where source_id = 'stats_monthly_report'"


def _published(wh: Warehouse, tmp_path: Path) -> tuple[ValidationReport, Path, str]:
    """A whole validation of the sample build, published as the serving warehouse with its results."""
    full = _validate(wh, wh.raw_db)
    serving = tmp_path / "planwatch.duckdb"
    published = publish(wh.build_db, serving, tmp_path / "published", quality=full.rows())
    return full, serving, published.publish_id


def _earlier(raw: Path, serving: Path, publish_id: str) -> EarlierValidation:
    """The served publish as if built before stats_monthly_report's newest release was loaded."""
    with duckdb.connect(str(raw), read_only=True) as con:
        loads = raw_fingerprint(con).loads
        newest = con.execute(NEWEST).fetchone()
    assert loads is not None and newest is not None
    loads["stats_monthly_report"] = [n for n in loads["stats_monthly_report"] if n != newest[0]]
    return EarlierValidation(publish_id, loads, serving)


def _new_data_night(
    wh: Warehouse, raw: Path, earlier: EarlierValidation, docs: Path | None = None
) -> ValidationReport:
    return validate_build(
        wh.build_db, raw, sources=SOURCES, rules_file=RULES, as_of=date(2024, 9, 1),
        today=date(2024, 10, 31), datasets={"raw_stats_monthly_report", "fct_target_progress"},
        serving_db=earlier.serving_db, earlier=earlier, data_docs_dir=docs,
    )  # fmt: skip


def _rows(raw: Path, where: str) -> int:
    with duckdb.connect(str(raw), read_only=True) as con:
        row = con.execute(
            "select sum(row_count) from release_loads where source_id = 'stats_monthly_report' "
            f"and withdrawn_at is null and {where}"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_night_of_new_data_reads_only_the_new_releases_rows_and_says_so(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    wh = built_warehouse
    full, serving, publish_id = _published(wh, tmp_path)
    dataset = "raw_stats_monthly_report"
    every, newest = _rows(wh.raw_db, "true"), _rows(wh.raw_db, f"release_no = ({NEWEST})")
    assert full.rows_read[dataset] == every and not full.scopes  # a whole validation reads every row
    assert 0 < newest < every / 5

    night = _new_data_night(wh, wh.raw_db, _earlier(wh.raw_db, serving, publish_id), tmp_path / "docs")
    assert night.success, night.summary()
    # Data Docs name the rows the suite read
    index = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert f"{dataset}.new_since_{publish_id}" in index and "fct_target_progress" in index
    assert night.rows_read == {dataset: newest, "fct_target_progress": full.rows_read["fct_target_progress"]}
    scope = f"rows of the 1 release(s) loaded since publish {publish_id}: {newest} of {every} rows"
    assert scope in night.scopes[dataset] and set(night.scopes) == {dataset}
    # one result per check as before, each saying which rows it covers; the marts' results cover all
    suite = [r for r in night.rows() if r["dataset"] == dataset and r["check_name"] != "source_freshness"]
    assert len(suite) == sum(c.dataset == dataset and c.check != "source_freshness" for c in full.checks)
    assert all(scope in (r["detail"] or "") for r in suite)
    others = [r for r in night.rows() if r["dataset"] not in (dataset, "quality_rules")]
    assert others and all("since publish" not in (r["detail"] or "") for r in others)
    # the rules of groups recheck the groups of the new release (tests/expectations/test_rule_nights.py)
    rules = {r["check_name"]: r["detail"] for r in night.rows() if r["dataset"] == "quality_rules"}
    assert "rows of the 1 release(s) loaded since publish" in rules["ytd_flow_never_decreases"]
    assert "since publish" not in rules["release_completeness"]
    # the older rows' results are the served ones: nothing of the dataset is carried besides
    assert not [r for r in carried_results(serving, night.datasets) if r["dataset"] == dataset]


def test_a_bad_value_in_a_new_release_is_caught_on_a_night_of_new_data(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    _, serving, publish_id = _published(built_warehouse, tmp_path)
    raw = _tampered_raw(
        built_warehouse,
        tmp_path,
        f"""update observation_values set value = 590 where release_no = ({NEWEST})
           and series_no in (select series_no from release_series where release_no = ({NEWEST})
                and indicator_code = 'retail_sales' and measure = 'ytd_growth_pct')""",
    )
    night = _new_data_night(built_warehouse, raw, _earlier(raw, serving, publish_id))
    assert not night.success
    failure = next(c for c in night.blocking_failures if c.dataset == "raw_stats_monthly_report")
    assert failure.check == "expect_column_values_to_be_between" and failure.column == "value"
    assert failure.failing_rows and failure.failing_rows >= 1 and failure.sample[0] == 590.0
    assert "since publish" in failure.describe()


def test_a_source_whose_served_results_did_not_all_pass_is_validated_whole(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    wh = built_warehouse
    full = _validate(wh, wh.raw_db)
    rows = [
        r | {"passed": False} if r["dataset"] == "raw_stats_monthly_report" else r for r in full.rows()
    ]  # as a warning-level check of the suite would leave them
    serving = tmp_path / "planwatch.duckdb"
    publish_id = publish(wh.build_db, serving, tmp_path / "published", quality=rows).publish_id
    night = _new_data_night(wh, wh.raw_db, _earlier(wh.raw_db, serving, publish_id))
    assert night.rows_read["raw_stats_monthly_report"] == _rows(wh.raw_db, "true") and not night.scopes


def test_validated_frames_are_not_kept_once_their_results_are_merged() -> None:
    """GX's pandas engine caches the last frame of every asset it validates; validation drops them after
    each dataset, so its memory follows the largest frame, not the sum of one per dataset (at 10x the step
    peaked at 1.46 GB with them kept, 1.03 GB without)."""

    def suite(name: str) -> Callable[[SuiteContext], Any]:
        def build(ctx: SuiteContext) -> Any:
            s = gx.ExpectationSuite(name=name)
            s.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="x"))
            return s

        return build

    with duckdb.connect() as con:
        datasets = [
            Dataset(f"d{i}", f"select range + {i} as x from range(1000)", [], suite(f"d{i}"))
            for i in range(3)
        ]
        report = ValidationReport([])
        context = _run_suites(con, datasets, SuiteContext([], [], 0), report, {})
    assert report.rows_read == {"d0": 1000, "d1": 1000, "d2": 1000} and report.success
    manager = context.data_sources.get("build").get_execution_engine().batch_manager
    assert manager.batch_data_cache == {} and manager.batch_cache == {}
