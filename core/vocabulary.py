"""The one vocabulary: units (with multipliers and dimensions), measures and period labels.

The data lives in dbt_project/seeds/vocabulary/*.csv, which dbt loads as seeds (schema `reference`) and
Python reads here, so that ingest, the plan catalog tools and the warehouse agree on what 万亩, 1-3季度 or
ytd_growth_pct mean. Adding a unit such as 公顷 or 万人次 is a row in units.csv (or a prefix in
unit_magnitudes.csv), never code.

    units.csv            unit as written -> canonical unit, multiplier, dimension, whether it is a measure word
    unit_magnitudes.csv  prefixes written before a unit (万, 亿, 千万 ...) and their factor
    measures.csv         the measures a figure can carry (ytd_value, level, rate_pct ...)
    period_labels.csv    period words after the year (全年, 上半年, 前三季度, 一季度 ...) -> months

A written unit is either listed itself or is a prefix followed by a listed unit (万千瓦 = 万 × 千瓦).
"""

from __future__ import annotations

import csv
import functools
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError

_REPO = Path(__file__).resolve().parent.parent


def vocabulary_dir() -> Path:
    """dbt_project/seeds/vocabulary under PLANWATCH_HOME (a deployment's own copy), else this checkout."""
    home = os.environ.get("PLANWATCH_HOME")
    for root in (Path(home) if home else None, _REPO):
        if root is not None and (root / "dbt_project" / "seeds" / "vocabulary").is_dir():
            return root / "dbt_project" / "seeds" / "vocabulary"
    raise ConfigError(f"the vocabulary folder dbt_project/seeds/vocabulary is missing under {home or _REPO}")


class UnknownUnit(ValueError):
    """A unit that is neither in units.csv nor a known prefix followed by one."""


@dataclass(frozen=True)
class UnitDef:
    unit: str  # as written, after NFKC (％ -> %)
    canonical: str  # the base unit levels are stored in: yuan, usd, kg, mu, m2, km, count, percent ...
    multiplier: float  # value in `unit` × multiplier = value in `canonical`
    dimension: str  # money_cny, mass, land_area, count, ratio ... : units of one dimension convert
    is_measure_word: bool  # 个, 家, 座, 米 ...: a noun may follow the number (新建2个小微园区)

    @property
    def is_percent(self) -> bool:
        return self.canonical in ("percent", "percentage_point")


@dataclass(frozen=True)
class MeasureDef:
    measure: str
    label_zh: str
    period_start: (
        str  # january: accumulates from 1 January; period_end: the period's last month; as_published
    )
    is_percent: bool
    description_zh: str


@dataclass(frozen=True)
class Vocabulary:
    units: dict[str, UnitDef]
    magnitudes: dict[str, float]
    measures: dict[str, MeasureDef]
    period_labels: dict[str, tuple[int, int]]  # label after the year -> (start month, end month)

    def unit(self, written: str) -> UnitDef:
        """The unit as written ('亿元', '万千瓦', '（万亩）', '％'), resolved; UnknownUnit if it is not one."""
        text = unicodedata.normalize("NFKC", written).strip().strip("()[]")
        if text in self.units:
            return self.units[text]
        for prefix in sorted(self.magnitudes, key=len, reverse=True):
            base = text[len(prefix) :]
            if text.startswith(prefix) and base in self.units and not self.units[base].is_percent:
                u = self.units[base]
                return UnitDef(text, u.canonical, self.magnitudes[prefix] * u.multiplier, u.dimension, False)
        raise UnknownUnit(f"unit {written!r} is not in the vocabulary ({vocabulary_dir() / 'units.csv'})")

    def written_units(self) -> list[str]:
        """Every unit as it may be written, longest first (for building text patterns)."""
        forms = set(self.units)
        forms |= {p + u for p in self.magnitudes for u, d in self.units.items() if not d.is_percent}
        return sorted(forms, key=lambda f: (-len(f), f))


def _rows(name: str) -> list[dict[str, str]]:
    path = vocabulary_dir() / name
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path}: cannot be read as a UTF-8 CSV ({exc})") from exc


def _bool(value: str, where: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


def _float(value: str, where: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if not number > 0:
        raise ConfigError(f"{where}: expected a positive factor, got {value!r}")
    return number


@functools.cache
def _load(directory: Path) -> Vocabulary:
    units: dict[str, UnitDef] = {}
    for i, row in enumerate(_rows("units.csv"), start=2):
        where = f"{directory / 'units.csv'} row {i}"
        written = unicodedata.normalize("NFKC", row["unit"]).strip()
        if not written or written in units:
            raise ConfigError(f"{where}: unit {row['unit']!r} is empty or listed twice")
        units[written] = UnitDef(
            written,
            row["canonical_unit"],
            _float(row["multiplier"], where),
            row["dimension"],
            _bool(row["is_measure_word"], where),
        )
    magnitudes = {
        row["prefix"]: _float(row["factor"], f"{directory / 'unit_magnitudes.csv'} row {i}")
        for i, row in enumerate(_rows("unit_magnitudes.csv"), start=2)
    }
    measures = {
        row["measure"]: MeasureDef(
            row["measure"],
            row["label_zh"],
            row["period_start"],
            _bool(row["is_percent"], f"{directory / 'measures.csv'} row {i}"),
            row["description_zh"],
        )
        for i, row in enumerate(_rows("measures.csv"), start=2)
    }
    labels: dict[str, tuple[int, int]] = {}
    for i, row in enumerate(_rows("period_labels.csv"), start=2):
        start, end = int(row["start_month"]), int(row["end_month"])
        if not 1 <= start <= end <= 12:
            raise ConfigError(f"{directory / 'period_labels.csv'} row {i}: months {start}-{end} outside 1-12")
        labels[unicodedata.normalize("NFKC", row["label"])] = (start, end)
    return Vocabulary(units, magnitudes, measures, labels)


def vocabulary() -> Vocabulary:
    """The vocabulary of this deployment (read once per process and folder)."""
    return _load(vocabulary_dir())
