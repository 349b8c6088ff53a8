"""The reviewed catalog (dbt seeds) read as plain CSV: the checks a reviewer relies on."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "dbt_project" / "seeds"
PLAN = ROOT / "plan" / "2024_district_work_plan.txt"

PLAN_ID = "district_2024"  # the plan whose text is PLAN
TARGET_COLUMNS = [
    "plan_id",
    "target_id",
    "section_no",
    "section",
    "quote",
    "indicator_code",
    "kind",
    "comparator",
    "target_value",
    "band",
    "unit_raw",
    "direction",
    "aspirational",
    "responsible_bureau",
    "frequency",
    "measure",
    "assessable_within_year",
    "due_date",
    "notes",
]
INDICATOR_COLUMNS = [
    "indicator_code",
    "name_zh",
    "name_en",
    "unit",
    "unit_raw",
    "frequency",
    "measure_type",
    "bureau_code",
    "source_status",
]
KINDS = {"level", "growth", "count", "rate_held", "stock", "coverage", "decrease", "milestone"}
COMPARATORS = {">=", ">", "<=", "<", "~", "="}
FREQUENCIES = {"monthly", "quarterly", "annual", "event"}
MEASURES = {"ytd_cumulative", "ytd_growth", "rate", "last_value", "count_since_jan1", "milestone_state"}
SECTIONS = "一二三四五六七八九十"


def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    raw = (SEEDS / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} must be UTF-8 without a BOM"
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def targets() -> list[dict[str, str]]:
    columns, rows = read("plan_targets.csv")
    assert columns == TARGET_COLUMNS
    return [row for row in rows if row["plan_id"] == PLAN_ID]


@pytest.fixture(scope="module")
def indicators() -> list[dict[str, str]]:
    columns, rows = read("indicators.csv")
    assert columns == INDICATOR_COLUMNS
    return rows


@pytest.fixture(scope="module")
def plan_text() -> str:
    return PLAN.read_text(encoding="utf-8")


def test_ids_are_unique_and_in_plan_order(targets: list[dict[str, str]], plan_text: str) -> None:
    ids = [row["target_id"] for row in targets]
    assert ids == [f"T2024-{n:03d}" for n in range(1, len(ids) + 1)]
    positions = [plan_text.find(row["quote"]) for row in targets]
    assert positions == sorted(positions)


def test_catalog_size_is_plausible(targets: list[dict[str, str]]) -> None:
    assert 110 <= len(targets) <= 160


def test_every_quote_is_an_exact_substring_of_the_plan(targets: list[dict[str, str]], plan_text: str) -> None:
    missing = [row["target_id"] for row in targets if not row["quote"] or row["quote"] not in plan_text]
    assert missing == []


def test_section_matches_the_heading_above_the_quote(targets: list[dict[str, str]], plan_text: str) -> None:
    headings = [
        (m.start(), m.group(1)) for m in re.finditer(r"^\(([一二三四五六七八九十]+)\)", plan_text, re.M)
    ]
    assert [h for _, h in headings] == list(SECTIONS)
    for row in targets:
        pos = plan_text.find(row["quote"])
        section = [h for start, h in headings if start <= pos][-1]
        assert row["section"] == section, row["target_id"]
        assert int(row["section_no"]) == SECTIONS.index(section) + 1


def test_accepted_values(targets: list[dict[str, str]]) -> None:
    for row in targets:
        tid = row["target_id"]
        assert row["kind"] in KINDS, tid
        assert row["comparator"] in COMPARATORS, tid
        assert row["direction"] in {"higher", "lower"}, tid
        assert row["aspirational"] in {"true", "false"}, tid
        assert row["assessable_within_year"] in {"true", "false"}, tid
        assert row["frequency"] in FREQUENCIES, tid
        assert row["measure"] in MEASURES, tid
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["due_date"]), tid
        assert re.fullmatch(r"[a-z][a-z0-9_]*", row["indicator_code"]), tid


def test_values_units_and_bands_are_consistent(targets: list[dict[str, str]]) -> None:
    for row in targets:
        tid = row["target_id"]
        if row["kind"] == "milestone":
            assert row["target_value"] == "" and row["unit_raw"] == "", tid
            assert row["comparator"] == "=" and row["measure"] == "milestone_state", tid
            continue
        assert float(row["target_value"]) >= 0, tid
        assert (row["band"] != "") == (row["comparator"] == "~"), tid
        if row["kind"] == "coverage":
            assert row["comparator"] == "=" and float(row["target_value"]) == 100, tid
        if row["kind"] == "decrease":
            assert row["direction"] == "lower", tid


def test_units_as_written_map_to_their_multiplier(targets: list[dict[str, str]]) -> None:
    """The catalog keeps units as written; the vocabulary gives their canonical unit and multiplier."""
    from core.vocabulary import vocabulary

    expected = {
        "亿元": 1e8,
        "亿美元": 1e8,
        "万斤": 5000,
        "万千瓦": 1e4,
        "万吨": 1e7,  # kg: mass has one canonical unit
        "万亩": 1e4,
        "%": 1,
        "家": 1,
    }
    for row in targets:
        if row["unit_raw"] in expected:
            assert vocabulary().unit(row["unit_raw"]).multiplier == expected[row["unit_raw"]], row[
                "target_id"
            ]


def test_assessable_within_year_follows_frequency_and_measure(targets: list[dict[str, str]]) -> None:
    for row in targets:
        flow = row["frequency"] in {"monthly", "quarterly"} and row["measure"] != "milestone_state"
        assert (row["assessable_within_year"] == "true") == flow, row["target_id"]


def test_aspirational_only_where_the_plan_says_lizheng(targets: list[dict[str, str]]) -> None:
    for row in targets:
        if row["aspirational"] == "true":
            assert "力争" in row["quote"], row["target_id"]


def test_every_indicator_is_registered_once(
    targets: list[dict[str, str]], indicators: list[dict[str, str]]
) -> None:
    codes = [row["indicator_code"] for row in indicators]
    assert len(codes) == len(set(codes))
    used = {row["indicator_code"] for row in read("plan_targets.csv")[1]}  # by any plan
    assert used <= set(codes)
    for row in indicators:
        assert row["source_status"] in {"sourced", "no_source_yet"}
        assert row["name_zh"] and row["name_en"], row["indicator_code"]
        # an indicator no target names is a supporting one (e.g. 工业投资 for the quality rules): it must
        # have a source, or it is dead weight in the catalog
        assert row["indicator_code"] in used or row["source_status"] == "sourced", row["indicator_code"]


def test_source_status_matches_the_source_registry() -> None:
    from ingest.registry import check_mappings, load_registry

    registry = load_registry(SEEDS.parent.parent / "config" / "sources")
    assert check_mappings(registry, SEEDS / "indicators.csv") == []


def test_every_bureau_is_registered(targets: list[dict[str, str]], indicators: list[dict[str, str]]) -> None:
    columns, bureaus = read("bureaus.csv")
    assert columns == ["bureau_code", "name_zh", "name_en"]
    codes = [row["bureau_code"] for row in bureaus]
    assert len(codes) == len(set(codes))
    used = {row["responsible_bureau"] for row in targets} | {row["bureau_code"] for row in indicators}
    assert used <= set(codes)


def test_plan_text_lines_seed_is_the_plan(plan_text: str) -> None:
    columns, all_lines = read("plan_text_lines.csv")
    assert columns == ["plan_id", "line_no", "text"]
    lines = [row for row in all_lines if row["plan_id"] == PLAN_ID]
    assert [int(row["line_no"]) for row in lines] == list(range(1, len(lines) + 1))
    assert "\n".join(row["text"] for row in lines) == plan_text


PLAN_SHA256 = "eb1e5d7fdc994ae97b94e17d8af3fa4c688709708c20c4d505c6cbdadf58d86b"  # the published 2024 plan


def test_plan_copy_is_the_published_plan() -> None:
    assert hashlib.sha256(PLAN.read_bytes()).hexdigest() == PLAN_SHA256
    shared = ROOT.parent / "shared" / "seeds" / "000_895883010a6915ba.txt"
    if shared.exists():  # beside the clone on developer machines and in CI
        assert PLAN.read_bytes() == shared.read_bytes()
