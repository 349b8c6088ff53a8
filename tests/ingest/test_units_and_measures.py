"""Units read where bureaus put them, changes of unit never scaled silently, measures per row (issue 15)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingest.errors import ReleaseError
from ingest.formats.preview import read_preview
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from tests.ingest.conftest import csv_source, make_source, xlsx_bytes

TODAY = date(2024, 10, 20)


def report(unit_line: str | None, label_unit: str = "", period: str = "1-3月") -> bytes:
    """A 统计月报 whose unit is stated once for the whole table, in a 单位： line under the title."""
    rows: list[list[object]] = [[f"XX区2024年{period}主要经济指标", None, None, None]]
    rows += [[unit_line, None, None, None]] if unit_line else []
    rows += [
        ["指标名称", "本月", f"{period}累计", None],
        [None, None, "绝对值", "同比增长(%)"],
        [f"规上工业增加值{label_unit}", 55.1, 150.2, 7.5],
        [f"工业投资{label_unit}", "—", 41.5, 3.0],
    ]
    return xlsx_bytes(rows)


def table_unit_source() -> object:
    return make_source(
        excel_report={
            "sheet": "主要经济指标",
            "title_rows": 2,
            "header_rows": 2,
            "columns": {
                "^本月$": "month_value",
                "累计\\|绝对值$": "ytd_value",
                "累计\\|同比增长": "ytd_growth_pct",
            },
        }
    )


def test_a_table_unit_line_is_read() -> None:
    figures = read_preview(report("单位：亿元"), table_unit_source(), "tjyb_202403.xlsx", today=TODAY).figures
    ytd = next(
        f for f in figures if f.indicator_code == "industrial_value_added" and f.measure == "ytd_value"
    )
    assert (ytd.unit_raw, ytd.unit_multiplier, ytd.value) == ("亿元", 1e8, 150.2)


def test_a_table_switched_from_yi_to_wan_yuan_is_rejected_not_scaled() -> None:
    """Finding 2: the 单位：万元 line was never read, so 万元 figures loaded as 亿元 (a factor of 10^4)."""
    with pytest.raises(
        ReleaseError, match="unit of 规上工业增加值 changed to '万元'; expected '亿元'"
    ) as err:
        read_preview(report("单位：万元"), table_unit_source(), "tjyb_202403.xlsx", today=TODAY)
    assert "unit_change: convert" in str(err.value)


def test_a_unit_change_is_converted_when_the_entry_says_so() -> None:
    source = table_unit_source()
    converting = source.model_copy(  # type: ignore[attr-defined]
        update={
            "indicators": [
                m.model_copy(update={"unit_change": "convert"})
                for m in source.indicators  # type: ignore[attr-defined]
            ]
        }
    )
    figures = read_preview(report("单位：万元"), converting, "tjyb_202403.xlsx", today=TODAY).figures
    ytd = next(
        f for f in figures if f.indicator_code == "industrial_value_added" and f.measure == "ytd_value"
    )
    # the figure stays as published, and the multiplier converts it: 150.2 万元 is 1.502 million yuan
    assert (ytd.value, ytd.unit_raw, ytd.unit_multiplier) == (150.2, "万元", 1e4)


def test_a_row_unit_beats_the_table_unit() -> None:
    figures = read_preview(
        report("单位：万元", "（亿元）"), table_unit_source(), "tjyb_202403.xlsx", today=TODAY
    ).figures
    assert {f.unit_raw for f in figures if f.measure == "ytd_value"} == {"亿元"}


def test_a_unit_in_a_header_bracket_is_read() -> None:
    text = "统计期,指标,累计值(亿元),累计增长(%)\n2024年1-3月,实际利用外资,0.3,1.0\n2024年1-3月,市外内资,52.1,14.9\n"
    source = csv_source(
        columns={"累计值(亿元)": "ytd_value", "累计增长(%)": "ytd_growth_pct"}, unit_column=None
    )
    source = source.model_copy(
        update={"indicators": [m.model_copy(update={"unit": None}) for m in source.indicators]}
    )
    figures = read_preview(text.encode(), source, "swj_2024.csv", today=TODAY).figures
    assert {(f.unit_raw, f.unit_multiplier) for f in figures if f.measure == "ytd_value"} == {("亿元", 1e8)}


def test_without_a_declared_unit_a_change_against_the_last_release_is_rejected(
    ingest_paths: IngestPaths,
) -> None:
    source = csv_source()
    source = source.model_copy(
        update={
            "indicators": [m.model_copy(update={"unit": None}) for m in source.indicators],
            "release": source.release.model_copy(update={"first_period": "2023-01"}),
        }
    )
    rows = "统计期,指标,单位,累计值,累计增长(%)\n{y}年1-2月,实际利用外资,{u},0.15,-8.2\n{y}年1-2月,市外内资,亿元,33.1,15.1\n"
    folder = ingest_paths.data_root / "commerce"
    folder.mkdir(parents=True)
    (folder / "swj_2023.csv").write_text(rows.format(y=2023, u="亿美元"), encoding="utf-8")
    assert ingest_source(source, ingest_paths, date(2023, 12, 1), today=TODAY).status == "loaded"
    (folder / "swj_2024.csv").write_text(rows.format(y=2024, u="万美元"), encoding="utf-8")
    result = ingest_source(source, ingest_paths, date(2024, 3, 1), today=TODAY)
    assert result.status == "rejected"
    assert "changed to '万美元'; expected '亿美元' as in the releases loaded before" in result.rejected[0]


PROGRESS = (
    "统计期,指标,单位,本年累计完成\n"
    "2024年1-6月,新建改造农村公路,公里,42.5\n"
    "2024年1-6月,新建保障性租赁住房,套,860\n"
    "2024年1-6月,新增城市绿地,万平方米,12.3\n"
    "2024年1-6月,城镇新增就业增长,%,5.2\n"
)


def progress_source() -> object:
    return csv_source(
        columns={"本年累计完成": "ytd_value"},
        period_style="ytd_cn",
    ).model_copy(
        update={
            "indicators": csv_source().indicators[:0]
            + [
                type(csv_source().indicators[0])(
                    label="新建改造农村公路", code="rural_roads_built", unit="公里"
                ),
                type(csv_source().indicators[0])(
                    label="新建保障性租赁住房", code="rental_housing_new", unit="套"
                ),
                type(csv_source().indicators[0])(
                    label="新增城市绿地", code="urban_green_new", unit="万平方米"
                ),
                type(csv_source().indicators[0])(label="城镇新增就业增长", code="new_jobs_growth"),
            ]
        }
    )


def test_the_measure_of_a_row_follows_its_unit() -> None:
    """Finding 3: one 本年累计完成 column held km, 套 and 万平方米 rows and loaded all as one measure, so the
    count target (新建…套) never found its figure. Counts are count_ytd, percentages a growth or a rate."""
    figures = read_preview(PROGRESS.encode(), progress_source(), "swj_2024.csv", today=TODAY).figures
    measures = {f.indicator_code: f.measure for f in figures}
    assert measures == {
        "rural_roads_built": "ytd_value",
        "rental_housing_new": "count_ytd",
        "urban_green_new": "ytd_value",
        "new_jobs_growth": "ytd_growth_pct",
    }


def test_figures_no_target_reads_are_listed(ingest_paths: IngestPaths, repo) -> None:  # noqa: ANN001
    from ingest import raw_store
    from ingest.formats.maintenance import unused_figures

    path = ingest_paths.data_root / "commerce" / "swj_2024.csv"
    path.parent.mkdir(parents=True)
    path.write_text(PROGRESS, encoding="utf-8")
    source = progress_source()
    assert ingest_source(source, ingest_paths, date(2024, 6, 1), today=TODAY).status == "loaded"  # type: ignore[arg-type]
    with raw_store.connect(ingest_paths.raw_db) as con:
        unused = unused_figures(con, repo / "dbt_project" / "seeds" / "plan_targets.csv")
    assert {(u.indicator_code, u.measure) for u in unused} == {
        ("rural_roads_built", "ytd_value"),
        ("rental_housing_new", "count_ytd"),
        ("urban_green_new", "ytd_value"),
        ("new_jobs_growth", "ytd_growth_pct"),
    }
    assert all(u.reason == "no target reads this indicator" for u in unused)


def test_a_bracket_that_is_no_unit_is_part_of_the_label() -> None:
    """Finding 6: 修缮文保单位(点) split into a label and an unknown unit 点, and the release was rejected."""
    text = "统计期,指标,单位,累计值,累计增长(%)\n2024年1-6月,修缮文保单位(点),处,12,—\n2024年1-6月,实际利用外资,亿美元,0.3,1.0\n"
    source = csv_source().model_copy(
        update={
            "indicators": [
                type(csv_source().indicators[0])(
                    label="修缮文保单位(点)", code="heritage_sites_repaired", unit="处"
                ),
                csv_source().indicators[0],
            ]
        }
    )
    figures = read_preview(text.encode(), source, "swj_2024.csv", today=TODAY).figures
    repaired = next(f for f in figures if f.indicator_code == "heritage_sites_repaired")
    assert (repaired.label_raw, repaired.measure, repaired.value, repaired.unit_raw) == (
        "修缮文保单位(点)", "count_ytd", 12.0, "处",
    )  # fmt: skip


def test_an_index_on_last_year_is_loaded_as_growth() -> None:
    """Finding 6: a series published as an index (上年同期=100) loaded 107.2 as '107.2 % growth'."""
    text = "统计期,指标,单位,累计值,指数(上年同期=100)\n2024年1-6月,实际利用外资,亿美元,0.8,107.2\n2024年1-6月,市外内资,亿元,80.0,96.5\n"
    source = csv_source(columns={"累计值": "ytd_value", "指数(上年同期=100)": "ytd_growth_pct"})
    source = source.model_copy(
        update={"indicators": [m.model_copy(update={"index_base": 100.0}) for m in source.indicators]}
    )
    figures = read_preview(text.encode(), source, "swj_2024.csv", today=TODAY).figures
    growth = {f.indicator_code: f.value for f in figures if f.measure == "ytd_growth_pct"}
    assert growth == {"fdi_actual": pytest.approx(7.2), "domestic_capital_external": pytest.approx(-3.5)}
    assert {f.value for f in figures if f.measure == "ytd_value"} == {0.8, 80.0}  # values are no index


def test_a_quarter_value_covers_the_quarter_of_a_year_to_date_table() -> None:
    rows = [
        ["XX区2024年1-3季度主要经济指标", None, None],
        ["指标名称", "1-3季度累计", "三季度当季"],
        [None, "绝对值", "绝对值"],
        ["规上工业增加值(亿元)", 480.0, 161.2],
        ["工业投资(亿元)", 180.0, 60.1],
    ]
    source = make_source(
        location="stats/{year}/tjyb_{year}Q{quarter}.xlsx",
        excel_report={
            "sheet": "主要经济指标",
            "columns": {"累计\\|绝对值$": "ytd_value", "当季\\|绝对值$": "quarter_value"},
            "period_pattern": r"(\d{4})年(1-3季度)",
        },
    )
    figures = read_preview(xlsx_bytes(rows), source, "tjyb_2024Q3.xlsx", today=TODAY).figures
    periods = {(f.measure, f.period_start_month, f.period_end_month) for f in figures}
    assert periods == {("ytd_value", 1, 9), ("quarter_value", 7, 9)}


def test_a_figure_scaled_beyond_a_number_is_rejected(ingest_paths: IngestPaths) -> None:
    rows = xlsx_bytes(
        [["XX区2024年1-2月主要经济指标"], ["指标名称", "本月", "1-2月累计", None], [None, None, "绝对值", "同比增长(%)"],
         ["规上工业增加值(亿元)", 1e301, 1e301, 1.0], ["工业投资(亿元)", 1.0, 1.0, 1.0]]
    )  # fmt: skip
    with pytest.raises(ReleaseError, match="not a finite number in yuan") as err:
        read_preview(rows, make_source(), "tjyb_202402.xlsx", today=TODAY)
    assert "row=4, column=B" in str(err.value)


def test_the_raw_layer_keeps_the_published_unit_and_its_multiplier(ingest_paths: IngestPaths) -> None:
    path = ingest_paths.data_root / "stats" / "2024" / "tjyb_202403.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(report("单位：亿元"))
    assert ingest_source(table_unit_source(), ingest_paths, date(2024, 3, 1), today=TODAY).status == "loaded"  # type: ignore[arg-type]
    with duckdb.connect(str(ingest_paths.raw_db), read_only=True) as con:
        units = con.execute(
            "select distinct unit, unit_raw, unit_multiplier from observations where measure = 'ytd_value'"
        ).fetchall()
    assert units == [("yuan", "亿元", 1e8)]
