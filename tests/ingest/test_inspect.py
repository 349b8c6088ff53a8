"""`propose_entry`: a sample release in, a registry entry a person can review (and that parses it) out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingest.inspect import InspectError, propose_entry
from ingest.parsers import PARSERS
from ingest.registry import Source
from tests.ingest.conftest import FIXTURES, REPO, REPORT_MERGES, SAMPLES, report_rows, xlsx_bytes

CATALOG = REPO / "dbt_project" / "seeds" / "indicators.csv"


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
def test_proposals_for_each_format_parse_their_sample(sample: str, fmt: str, codes: set[str]) -> None:
    path = SAMPLES / sample
    text = propose_entry(path, CATALOG)
    assert text.startswith("# proposed by `planwatch sources add --sample")
    assert "the sample parses with this entry" in text
    entry = yaml.safe_load(text)
    source = Source.model_validate(entry)
    assert source.format == fmt
    assert codes <= {m.code for m in source.indicators}
    assert PARSERS[fmt](path.read_bytes(), source, path.name).records


def test_location_template_and_calendar_from_the_file_name() -> None:
    entry = yaml.safe_load(propose_entry(SAMPLES / "stats/2024/tjyb_202409.xlsx", CATALOG))
    assert entry["location"] == "stats/{year}/tjyb_{year}{month:02d}.xlsx"
    assert entry["bureau"] == "stats"
    assert entry["release"]["frequency"] == "monthly" and entry["release"]["skip_months"] == [1]
    assert entry["excel_report"]["title_rows"] == 1 and entry["excel_report"]["header_rows"] == 2


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
    text = propose_entry(path, catalog)
    assert "# no indicator_code found for: 工业投资" in text
    assert yaml.safe_load(text)["excel_report"]["columns"] == {
        "本月$": "month_value",
        "绝对值$": "ytd_value",
        "同比增长\\(%\\)$": "ytd_growth_pct",
    }
    assert "the sample parses with this entry: 9 records" in text, text


def test_fixture_formats(tmp_path: Path) -> None:
    text = propose_entry(FIXTURES / "sdmx_tourism.csv")
    assert "sdmx_csv:" in text and "ZJ_STATS:DF_COUNTY_TOURISM(1.0)" in text
    text = propose_entry(FIXTURES / "nbs_rd_quarterly.json")
    assert "A0F0101" in text and "frequency: quarterly" in text


def test_unknown_or_unreadable_samples(tmp_path: Path) -> None:
    odd = tmp_path / "release.pdf"
    odd.write_bytes(b"%PDF-1.4")
    with pytest.raises(InspectError, match="cannot tell the format"):
        propose_entry(odd)
    no_periods = tmp_path / "list.csv"
    no_periods.write_text("名称,数量\n甲,1\n乙,2\n", encoding="utf-8")
    with pytest.raises(InspectError, match="no column of periods"):
        propose_entry(no_periods)
