"""The one vocabulary: every unit the catalog and the registry use is in it, and adding one is data."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from core import vocabulary as vocab_module
from core.vocabulary import UnknownUnit, vocabulary
from ingest.normalise import parse_period, parse_unit
from ingest.registry import load_registry
from tests.conftest import REPO

SEEDS = REPO / "dbt_project" / "seeds"


def _catalog_units() -> set[str]:
    units: set[str] = set()
    for name in ("plan_targets.csv", "indicators.csv"):
        with (SEEDS / name).open(encoding="utf-8") as fh:
            units |= {row["unit_raw"] for row in csv.DictReader(fh) if row["unit_raw"]}
    return units


def _registry_units() -> set[str]:
    units: set[str] = set()
    for source in load_registry(REPO / "config" / "sources").values():
        units |= {m.unit for m in source.indicators if m.unit}
        units |= set(getattr(source.options, "units", {}).values())
    return units


def test_every_unit_in_the_catalog_and_the_registry_is_in_the_vocabulary() -> None:
    vocab = vocabulary()
    used = _catalog_units() | _registry_units()
    assert used, "the catalog and the registry name units"
    unknown = []
    for unit in sorted(used):
        try:
            vocab.unit(unit)
        except UnknownUnit:
            unknown.append(unit)
    assert not unknown, f"units missing from dbt_project/seeds/vocabulary/units.csv: {unknown}"


@pytest.mark.parametrize(
    ("written", "canonical", "multiplier"),
    [
        ("亿元", "yuan", 1e8),
        ("万千瓦", "kw", 1e4),
        ("（万亩）", "mu", 1e4),
        ("公顷", "mu", 15),
        ("％", "percent", 1),
    ],
)
def test_units_compose_prefix_and_base(written: str, canonical: str, multiplier: float) -> None:
    unit = vocabulary().unit(written)
    assert (unit.canonical, unit.multiplier) == (canonical, multiplier)


def test_a_percent_takes_no_magnitude_prefix() -> None:
    with pytest.raises(UnknownUnit):
        vocabulary().unit("万%")


def test_adding_a_unit_is_a_data_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """万人次 and 标准箱 work once units.csv says so; ingest reads the same file."""
    home = tmp_path / "home"
    shutil.copytree(SEEDS / "vocabulary", home / "dbt_project" / "seeds" / "vocabulary")
    monkeypatch.setenv("PLANWATCH_HOME", str(home))
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocabulary().unit("床位")
    with (home / "dbt_project" / "seeds" / "vocabulary" / "units.csv").open("a", encoding="utf-8") as fh:
        fh.write("床位,count,1,count,true,床位（养老机构）\n")
    vocab_module._load.cache_clear()
    from ingest import normalise

    normalise._parse_unit.cache_clear()
    try:
        assert parse_unit("万床位").multiplier == 1e4
        assert vocabulary().unit("床位").canonical == "count"
    finally:
        monkeypatch.delenv("PLANWATCH_HOME")
        vocab_module._load.cache_clear()
        normalise._parse_unit.cache_clear()


@pytest.mark.parametrize(
    ("label", "months"),
    [
        ("2023年度", (1, 12)),
        ("2024年前三季度", (1, 9)),
        ("2024年一季度", (1, 3)),
        ("２０２４年上半年", (1, 6)),
    ],
)
def test_period_words_come_from_the_vocabulary(label: str, months: tuple[int, int]) -> None:
    period = parse_period(label)
    assert (period.start_month, period.end_month) == months
