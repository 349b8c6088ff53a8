"""The source registry: validated on load, errors name the file, the entry and the field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from ingest.errors import RegistryError
from ingest.registry import check_mappings, check_registry, load_registry, load_source
from tests.ingest.conftest import REPO, make_source


def _write(folder: Path, name: str, entry: dict) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    return path


def _entry(**overrides: object) -> dict:
    return make_source().model_dump(exclude_none=True) | overrides


def test_the_committed_registry_loads() -> None:
    sources = load_registry(REPO / "config" / "sources")
    assert {"stats_monthly_report", "commerce_foreign_investment"} <= set(sources)
    for source in sources.values():
        assert source.options is not None


def test_error_names_file_entry_and_field(tmp_path: Path) -> None:
    entry = _entry()
    entry["release"]["first_period"] = "2024-13"
    path = _write(tmp_path, "stats_test.yml", entry)
    with pytest.raises(RegistryError) as err:
        load_source(path)
    message = str(err.value)
    assert str(path) in message and "'stats_test'" in message and "field release.first_period" in message


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "stats_test.yml", _entry(shet="typo"))
    with pytest.raises(RegistryError, match="field shet"):
        load_source(path)


def test_unknown_measure_is_rejected(tmp_path: Path) -> None:
    entry = _entry()
    entry["excel_report"]["columns"] = {"^本月$": "monthly_value"}
    with pytest.raises(RegistryError, match="field excel_report.columns"):
        load_source(_write(tmp_path, "stats_test.yml", entry))


def test_format_needs_its_option_block(tmp_path: Path) -> None:
    entry = _entry(format="csv_table")
    with pytest.raises(RegistryError, match="needs a 'csv_table:' block"):
        load_source(_write(tmp_path, "stats_test.yml", entry))


def test_credentials_are_references_only(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="credentials"):
        load_source(_write(tmp_path, "stats_test.yml", _entry(credentials={"password": "hunter2"})))
    with pytest.raises(RegistryError, match="exactly one"):
        load_source(_write(tmp_path, "stats_test.yml", _entry(credentials={})))
    ok = load_source(_write(tmp_path, "stats_test.yml", _entry(credentials={"env": "STATS_API_TOKEN"})))
    assert ok.credentials is not None and ok.credentials.env == "STATS_API_TOKEN"


def test_file_name_must_be_the_id(tmp_path: Path) -> None:
    _write(tmp_path, "other.yml", _entry())
    with pytest.raises(RegistryError, match=r"file name must be the source id \(stats_test.yml\)"):
        load_registry(tmp_path)


def test_invalid_yaml_and_non_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid UTF-8 YAML"):
        load_source(bad)
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="expected one mapping"):
        load_source(bad)


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="holds no"):
        load_registry(tmp_path)
    with pytest.raises(RegistryError, match="does not exist"):
        load_registry(tmp_path / "nope")


def test_periods_to_fetch_skip_january_for_monthly_reports() -> None:
    source = make_source()
    assert list(source.periods_to_fetch(date(2024, 4, 1))) == [(2024, 2), (2024, 3), (2024, 4)]


def test_yearly_files_are_fetched_once_per_year() -> None:
    source = make_source(location="x/{year}.csv", release={**_entry()["release"], "first_period": "2023-01"})
    assert list(source.periods_to_fetch(date(2024, 9, 1))) == [(2023, 12), (2024, 9)]


def test_expected_release_date_follows_the_calendar() -> None:
    source = make_source(release={**_entry()["release"], "day_of_month": 15, "lag_months": 1})
    assert source.expected_release_date(2024, 3) == date(2024, 4, 15)
    assert source.expected_release_date(2023, 12) == date(2024, 1, 15)


def test_one_label_feeding_two_indicators_needs_disjoint_measures(tmp_path: Path) -> None:
    indicators = [
        {"label": "有效发明专利拥有量", "code": "invention_patents_held", "measures": ["level"]},
        {"label": "有效发明专利拥有量", "code": "invention_patents_held_growth"},
    ]
    with pytest.raises(RegistryError, match="give each disjoint `measures`"):
        load_source(_write(tmp_path, "stats_test.yml", _entry(indicators=indicators)))
    indicators[1]["measures"] = ["ytd_growth_pct"]
    source = load_source(_write(tmp_path, "stats_test.yml", _entry(indicators=indicators)))
    assert source.mapping_for("有效发明专利拥有量", "ytd_growth_pct").code == "invention_patents_held_growth"
    assert source.mapping_for("有效发明专利拥有量", "level").code == "invention_patents_held"


def test_an_option_block_for_another_format_is_rejected(tmp_path: Path) -> None:
    entry = _entry(csv_table={"period_column": "a", "label_column": "b", "columns": {"c": "ytd_value"}})
    with pytest.raises(RegistryError, match="option blocks for \\['csv_table'\\]"):
        load_source(_write(tmp_path, "stats_test.yml", entry))


def test_committed_registry_agrees_with_the_catalog() -> None:
    sources = load_registry(REPO / "config" / "sources")
    assert check_mappings(sources, REPO / "dbt_project" / "seeds" / "indicators.csv") == []


def test_catalog_disagreements_are_named(tmp_path: Path) -> None:
    catalog = tmp_path / "indicators.csv"
    catalog.write_text(
        "indicator_code,source_status\nindustrial_value_added,no_source_yet\nretail_sales,sourced\n",
        encoding="utf-8",
    )
    problems = check_mappings({"stats_test": make_source()}, catalog)
    assert problems == [
        "stats_test: indicator '工业投资' maps to 'industrial_investment', not in indicators.csv",
        "industrial_value_added: mapped by stats_test but source_status is 'no_source_yet'",
        "retail_sales: source_status is 'sourced' but no source maps it",
    ]


# -- the checks `sources check` and the nightly run make before fetching (issue 15, finding 5) ----------


def test_check_registry_passes_the_committed_registry() -> None:
    sources = load_registry(REPO / "config" / "sources")
    assert check_registry(sources, REPO / "dbt_project" / "seeds" / "indicators.csv") == []


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("stats/{year}/tjyb_{year}{qtr}.xlsx", "unknown placeholder {qtr}"),
        ("stats/{year}/tjyb_{month:%m}.xlsx", "placeholder {month:%m}"),
        ("stats/{year}/tjyb_{month!r}.xlsx", "conversions are not supported"),
        ("stats/{year}/tjyb_{year.real}.xlsx", "unknown placeholder {year.real}"),
        ("stats/{year}/tjyb_{month.xlsx", "malformed"),
    ],
)
def test_a_location_template_that_cannot_be_filled_is_a_problem(location: str, problem: str) -> None:
    """Finding 5: {quarter} passed `sources check` where unsupported and failed the night with a KeyError."""
    problems = check_registry({"stats_test": make_source(location=location)})
    assert any(p.startswith("stats_test: field location: ") and problem in p for p in problems), problems


def test_a_header_pattern_that_can_never_match_is_a_problem() -> None:
    source = make_source(
        excel_report={"sheet": "主要经济指标", "columns": {"^累计$": "ytd_value", "累计$": "ytd_growth_pct"}}
    )
    problems = check_registry({"stats_test": source})
    assert problems and "the entry does not read a release laid out as it describes" in problems[0]


def test_a_period_pattern_that_reads_no_title_is_a_problem() -> None:
    source = make_source(excel_report={"sheet": "主要经济指标", "columns": {"^本月$": "month_value"},
                                       "period_pattern": r"(\d{4})年(上半年)"})  # fmt: skip
    problems = check_registry({"stats_test": source})
    assert problems and "period_pattern" in problems[0] and "reads no title for 2024年1-2月" in problems[0]


@pytest.mark.parametrize("pattern", ["累计(", ".*", "(?P<x"])
def test_invalid_or_match_everything_regexes_are_rejected_on_load(tmp_path: Path, pattern: str) -> None:
    entry = _entry()
    entry["excel_report"]["columns"] = {pattern: "ytd_value"}
    with pytest.raises(RegistryError, match="field excel_report.columns"):
        load_source(_write(tmp_path, "stats_test.yml", entry))


def test_a_mapping_to_an_unknown_indicator_is_a_problem() -> None:
    bad = make_source(indicators=[{"label": "规上工业增加值", "code": "no_such_indicator", "unit": "亿元"}])
    problems = check_registry({"stats_test": bad}, REPO / "dbt_project" / "seeds" / "indicators.csv")
    assert (
        "stats_test: indicator '规上工业增加值' maps to 'no_such_indicator', not in indicators.csv"
        in problems
    )


def test_quarter_and_half_year_placeholders() -> None:
    """Finding 6: files named by quarter (…2024Q2.xlsx) and by half year."""
    quarterly = make_source(
        location="stats/tjyb_{year}Q{quarter}.xlsx",
        release={**_entry()["release"], "first_period": "2023-01"},
    )
    assert list(quarterly.periods_to_fetch(date(2024, 7, 1))) == [
        (2023, 3),
        (2023, 6),
        (2023, 9),
        (2023, 12),
        (2024, 3),
        (2024, 6),
    ]
    assert quarterly.location_for(2024, 6) == "stats/tjyb_2024Q2.xlsx"
    assert quarterly.period_of("stats/tjyb_2024Q3.xlsx") == (2024, 9)
    half = make_source(location="stats/tjyb_{year}H{half}.xlsx")
    assert list(half.periods_to_fetch(date(2024, 12, 1))) == [(2024, 6), (2024, 12)]
    assert half.location_for(2024, 12) == "stats/tjyb_2024H2.xlsx"
    assert check_registry({"q": quarterly, "h": half}) == []  # both write and read back a sample release
