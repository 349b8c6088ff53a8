"""`sources add --sample`: a sample release in, a registry entry a person can review, and a preview of
the figures it would load, out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from ingest.formats.preview import read_preview
from ingest.inspect import InspectError, draft_entry, propose_entry
from ingest.registry import Source
from tests.ingest.conftest import FIXTURES, REPO, REPORT_MERGES, SAMPLES, report_rows, xlsx_bytes

CATALOG = REPO / "dbt_project" / "seeds" / "indicators.csv"
TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("sample", "fmt", "codes"),
    [
        (
            "stats/2024/tjyb_202409.xlsx",
            "excel_report",
            {"fai_total", "retail_sales", "industrial_value_added"},
        ),
        ("agriculture/2024/nyqk_202409.xlsx", "excel_report", {"grain_output", "vegetable_output"}),
        ("commerce/swj_2024.csv", "csv_table", {"fdi_actual", "domestic_capital_external"}),
        ("ecology/2024/hbj_202409.csv", "csv_table", {"air_quality_good_rate"}),
        ("market_regulation/2024/zscq_202409.csv", "csv_table", {"invention_patents_held"}),
        ("stats_portal/2024/jd_202409.json", "nbs_json", {"services_value_added", "agri_gross_output"}),
        ("culture_tourism/2024/wlt_202409.csv", "sdmx_csv", set()),
    ],
)
def test_proposals_for_each_format_load_their_sample(sample: str, fmt: str, codes: set[str]) -> None:
    path = SAMPLES / sample
    drafted = draft_entry(path, CATALOG, today=TODAY)
    assert drafted.yaml.startswith("# proposed by `planwatch sources add --sample")
    assert drafted.parses, drafted.preview
    source = Source.model_validate(yaml.safe_load(drafted.yaml))
    assert source.format == fmt
    assert codes <= {m.code for m in source.indicators}
    assert read_preview(path.read_bytes(), source, path.name, today=TODAY).figures
    for code in codes:
        assert code in drafted.preview  # the preview lists what would be loaded, by indicator


def test_location_template_and_calendar_from_the_file_name() -> None:
    entry = yaml.safe_load(propose_entry(SAMPLES / "stats/2024/tjyb_202409.xlsx", CATALOG))
    assert entry["location"] == "stats/{year}/tjyb_{year}{month:02d}.xlsx"
    assert entry["bureau"] == "stats"
    assert entry["release"]["frequency"] == "monthly" and entry["release"]["skip_months"] == [1]
    assert entry["excel_report"]["title_rows"] == 1 and entry["excel_report"]["header_rows"] == 2


def test_quarter_file_names_become_a_quarter_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "agriculture" / "nyqk_2024Q2.xlsx"
    path.parent.mkdir()
    path.write_bytes((SAMPLES / "agriculture/2024/nyqk_202406.xlsx").read_bytes())
    entry = yaml.safe_load(propose_entry(path, CATALOG))
    assert entry["location"] == "agriculture/nyqk_{year}Q{quarter}.xlsx"
    assert Source.model_validate(entry).period_of("agriculture/nyqk_2024Q2.xlsx") == (2024, 6)


def test_the_header_hierarchy_decides_month_versus_year_to_date(tmp_path: Path) -> None:
    """Issue 15: a 本月 group's 绝对值 is month_value, not ytd_value (the old proposal took 绝对值 as 累计)."""
    rows = [
        ["XX区2024年1-3月主要经济指标", None, None, None, None],
        ["指标名称", "本月", None, "1-3月累计", None],
        [None, "绝对值", "同比增长(%)", "绝对值", "同比增长(%)"],
        ["规上工业增加值(亿元)", 55.1, 6.2, 150.2, 7.5],
        ["社会消费品零售总额(亿元)", 22.0, 5.1, 63.8, 5.9],
    ]
    path = tmp_path / "stats" / "tjyb_202403.xlsx"
    path.parent.mkdir()
    path.write_bytes(xlsx_bytes(rows, ("A1:E1", "A2:A3", "B2:C2", "D2:E2")))
    drafted = draft_entry(path, CATALOG, today=TODAY)
    columns = yaml.safe_load(drafted.yaml)["excel_report"]["columns"]
    assert sorted(columns.values()) == ["month_growth_pct", "month_value", "ytd_growth_pct", "ytd_value"]
    by_measure = {m: p for p, m in columns.items()}
    assert "本月" in by_measure["month_value"] and "累计" in by_measure["ytd_value"]
    assert drafted.parses, drafted.preview
    assert "month_value" in drafted.preview and "row 4" in drafted.preview


def test_unmatched_indicators_are_listed_for_the_reviewer(tmp_path: Path) -> None:
    path = tmp_path / "report_202403.xlsx"
    path.write_bytes(xlsx_bytes(report_rows(), REPORT_MERGES))
    catalog = tmp_path / "indicators.csv"  # a catalog that does not know 工业投资
    catalog.write_text(
        "".join(
            line for line in CATALOG.read_text(encoding="utf-8").splitlines(True) if "工业投资," not in line
        ),
        encoding="utf-8",
    )
    drafted = draft_entry(path, catalog, today=TODAY)
    assert "# no indicator_code found for: 工业投资" in drafted.yaml
    assert yaml.safe_load(drafted.yaml)["excel_report"]["columns"] == {
        "本月$": "month_value",
        "绝对值$": "ytd_value",
        "同比增长\\(%\\)$": "ytd_growth_pct",
    }
    assert drafted.parses and "9 would be loaded" in drafted.preview, drafted.preview


def test_fixture_formats() -> None:
    text = propose_entry(FIXTURES / "sdmx_tourism.csv")
    assert "sdmx_csv:" in text and "ZJ_STATS:DF_COUNTY_TOURISM(1.0)" in text
    text = propose_entry(FIXTURES / "nbs_rd_quarterly.json")
    assert "A0F0101" in text and "frequency: quarterly" in text


def test_unknown_or_unreadable_samples(tmp_path: Path) -> None:
    odd = tmp_path / "release.pdf"
    odd.write_bytes(b"%PDF-1.4")
    with pytest.raises(InspectError, match="no format recognises it"):
        propose_entry(odd)
    no_periods = tmp_path / "list.csv"
    no_periods.write_text("名称,数量\n甲,1\n乙,2\n", encoding="utf-8")
    with pytest.raises(InspectError, match="no column of periods"):
        propose_entry(no_periods)
