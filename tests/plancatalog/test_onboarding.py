"""Onboarding a plan through the CLI: extract a draft, review it, add it to a copy of the catalog, diff."""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

import pytest

from plancatalog.commands import register

ROOT = Path(__file__).resolve().parents[2]
PLAN_2025 = """区人民政府2025年工作计划
（一）稳增长
全年完成固定资产投资460亿元以上，社会消费品零售总额增长6％。新建2个小微园区。
（二）惠民生
新增城镇就业1.2万人。新建城市书房10家。
"""
SEED_FILES = ("plans.csv", "plan_targets.csv", "plan_text_lines.csv", "indicators.csv", "bureaus.csv")


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="planwatch")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with a copy of the catalog seeds and the vocabulary, holding the 2024 plan only."""
    seeds_dir = tmp_path / "dbt_project" / "seeds"
    shutil.copytree(ROOT / "dbt_project" / "seeds", seeds_dir)
    for name in ("plans.csv", "plan_targets.csv", "plan_text_lines.csv"):
        rows = [r for r in read_rows(seeds_dir / name) if r["plan_id"] == "district_2024"]
        write_rows(seeds_dir / name, rows)
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "district_2025.txt").write_text(PLAN_2025, encoding="utf-8")
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path))
    return tmp_path


def seeds(home: Path) -> dict[str, bytes]:
    return {name: (home / "dbt_project" / "seeds" / name).read_bytes() for name in SEED_FILES}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def extract(home: Path) -> Path:
    draft = home / "draft.csv"
    assert run_cli("plan", "extract", str(home / "plan" / "district_2025.txt"), "--out", str(draft)) == 0
    return draft


def add(home: Path, draft: Path, *extra: str) -> int:
    return run_cli(
        "plan", "add", str(draft), "--plan-id", "district_2025", "--jurisdiction", "district", "--year", "2025",
        "--kind", "annual_work_plan", "--adopted-on", "2025-02-18", "--text", str(home / "plan" / "district_2025.txt"),
        *extra,
    )  # fmt: skip


def review_new_indicator(draft: Path) -> None:
    """What the reviewer does by hand: the one row last year's plan has nothing for."""
    rows = read_rows(draft)
    rows[4].update(
        indicator_code="city_study_rooms_built",
        indicator_name_en="City study rooms built",
        responsible_bureau="culture_tourism",
        frequency="annual",
        measure="count_since_jan1",
        assessable_within_year="false",
    )
    write_rows(draft, rows)


def test_onboarding_a_plan_carries_mappings_over_and_appends_the_catalog(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = extract(home)
    review_new_indicator(draft)
    before = seeds(home)

    assert add(home, draft) == 2  # without --accept-carryover four rows still lack their mappings
    out = capsys.readouterr()
    assert "row 1 全年完成固定资产投资460亿元以上 -> fai_total" in out.out
    assert "row 4 新增城镇就业1.2万人 -> new_jobs" in out.out
    assert "row 1, indicator_code" in out.err and seeds(home) == before

    assert add(home, draft, "--accept-carryover") == 0
    assert "added plan district_2025: 5 targets, 1 new indicators, 6 text lines" in capsys.readouterr().out
    s = home / "dbt_project" / "seeds"
    targets = [t for t in read_rows(s / "plan_targets.csv") if t["plan_id"] == "district_2025"]
    assert [
        (t["target_id"], t["indicator_code"], t["target_value"], t["responsible_bureau"]) for t in targets
    ] == [
        ("district_2025-001", "fai_total", "460", "development_reform"),
        ("district_2025-002", "retail_sales", "6", "commerce"),
        ("district_2025-003", "small_micro_parks_built", "2", "economy_it"),
        ("district_2025-004", "new_jobs", "1.2", "human_resources"),
        ("district_2025-005", "city_study_rooms_built", "10", "culture_tourism"),
    ]
    plan = read_rows(s / "plans.csv")[-1]
    assert (plan["plan_id"], plan["region_code"], plan["text_file"]) == (
        "district_2025",
        "district",
        "plan/district_2025.txt",
    )
    lines = [r["text"] for r in read_rows(s / "plan_text_lines.csv") if r["plan_id"] == "district_2025"]
    assert "\n".join(lines) == PLAN_2025
    new = read_rows(s / "indicators.csv")[-1]
    assert (new["indicator_code"], new["unit"], new["source_status"]) == (
        "city_study_rooms_built",
        "count",
        "no_source_yet",
    )
    for name, data in before.items():  # append only: every earlier row is untouched
        assert (s / name).read_bytes().startswith(data)

    # a plan is added once
    assert add(home, draft, "--accept-carryover") == 2
    assert "already in plans.csv" in capsys.readouterr().err


def test_a_bad_draft_gets_one_line_per_problem_and_nothing_is_written(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = extract(home)
    rows = read_rows(draft)
    for row in rows:  # a complete review, so that only the planted problems remain
        row.update(indicator_code="fai_total", responsible_bureau="development_reform", frequency="annual")
        row.update(measure="count_since_jan1", assessable_within_year="false")
    rows[0]["quote"] = "全年完成固定资产投资470亿元以上"  # not in the text
    rows[1]["unit"] = "万标箱"  # not a unit
    rows[2]["kind"] = "relative"
    rows[3]["comparator"] = "≥"
    rows[4]["responsible_bureau"] = ""
    rows[4]["target_id"] = "T2024-001"  # already taken
    write_rows(draft, rows)
    before = seeds(home)
    capsys.readouterr()

    assert add(home, draft) == 2
    err = capsys.readouterr().err.strip().splitlines()
    expected = [
        "row 1, quote: not found word for word",
        "row 2, unit: '万标箱' is not in",
        "row 3, kind: relative targets",
        "row 4, comparator: '≥'; expected one of",
        "row 5, responsible_bureau: empty",
        "row 5, target_id: T2024-001 is used twice",
    ]
    for part in expected:
        assert sum(part in line for line in err) == 1, (part, err)
    assert all(line.startswith(f"{draft}: row ") for line in err[:-1]), err
    assert err[-1] == "planwatch plan: 6 problem(s); nothing was written"
    assert "Traceback" not in "\n".join(err)
    assert seeds(home) == before


def test_a_failed_write_leaves_every_seed_as_it_was(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = extract(home)
    review_new_indicator(draft)
    before = seeds(home)
    (home / "dbt_project" / "seeds" / ".plans.csv.adding").mkdir()  # the last file cannot be staged
    assert add(home, draft, "--accept-carryover") == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert seeds(home) == before
    assert sorted(p.name for p in (home / "dbt_project" / "seeds").glob(".*.adding")) == [".plans.csv.adding"]


def test_a_text_outside_the_project_is_refused(home: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "plan.txt"
    outside.write_text(PLAN_2025, encoding="utf-8")
    draft = extract(home)
    code = run_cli(
        "plan", "add", str(draft), "--plan-id", "district_2025", "--jurisdiction", "district", "--year", "2025",
        "--kind", "annual_work_plan", "--adopted-on", "2025-02-18", "--text", str(outside),
    )  # fmt: skip
    assert code == 2


def test_diff_between_plans_by_indicator(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = extract(home)
    review_new_indicator(draft)
    assert add(home, draft, "--accept-carryover") == 0
    capsys.readouterr()
    assert run_cli("plan", "diff", "district_2024", "district_2025") == 0
    out = capsys.readouterr().out
    assert "changed  fai_total" in out and "value: 450 -> 460" in out
    assert "changed  new_jobs" in out and "value: 1.3 -> 1.2" in out
    assert "new      city_study_rooms_built" in out
    assert "dropped  rural_food_model_shops" in out
    assert out.strip().splitlines()[-1] == "1 unchanged, 3 changed, 1 new, 143 dropped"


def test_diff_of_a_draft_against_a_plan_pairs_by_name(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = extract(home)  # a fresh draft has names, no codes yet
    assert run_cli("plan", "diff", "district_2024", str(draft)) == 0
    out = capsys.readouterr().out
    assert "changed  固定资产投资" in out and "value: 450 -> 460" in out
    assert run_cli("plan", "diff", "district_2024", "no_such_plan") == 2
    assert "neither a plan id in plans.csv" in capsys.readouterr().err
