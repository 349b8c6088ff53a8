"""SQL rules on nights of new data (expectations.earlier.NewFigures, quality_rules.evaluate): a rule
rechecks only the groups the new releases touch, and fails on exactly the rows a whole evaluation fails.

Nights are made on a copy of the sample warehouse's raw file: a revision is a new load of one figure
with a later release date, as a bureau's corrected release is; the build's staging view reads the raw
file, so the rules see each night's loads without dbt building again.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import duckdb
import pytest

from core.contracts import RAW_ALIAS
from expectations.earlier import EarlierValidation, NewFigures, new_figures
from expectations.quality_rules import evaluate, load_rules
from expectations.results import ValidationReport
from expectations.runner import validate_build
from planwatch.fingerprint import raw_fingerprint
from publishing.publish import publish
from tests.conftest import REPO, Warehouse

pytestmark = pytest.mark.slow
RULES = REPO / "config" / "quality_rules.yml"
AS_OF, TODAY = date(2024, 9, 1), date(2024, 10, 31)
YTD, OUTLIER = "ytd_flow_never_decreases", "same_month_outlier"
WITHIN_FAI = "industrial_investment_within_fai"
GROUPED = {
    YTD,
    OUTLIER,
    WITHIN_FAI,
    "tech_investment_within_industrial_investment",
    "tech_investment_within_fai",
}


@dataclass
class Nights:
    """The sample build with a raw file of its own, and the served publish's validation."""

    wh: Warehouse
    raw: Path
    tmp: Path
    served: EarlierValidation | None = None
    revisions: int = 0

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with duckdb.connect(str(self.wh.build_db), read_only=True) as con:
            con.execute(f"attach '{self.raw}' as {RAW_ALIAS} (read_only)")
            yield con

    def validate(self, *, earlier: bool = True, rules: Path = RULES) -> ValidationReport:
        return validate_build(
            self.wh.build_db, self.raw, sources={}, rules_file=rules, as_of=AS_OF, today=TODAY,
            datasets=set(), earlier=self.served if earlier else None,
        )  # fmt: skip

    def publish(self, report: ValidationReport) -> None:
        """Serve this night's results, as its publish would (the rules read raw, not the build)."""
        serving = self.tmp / "planwatch.duckdb"
        publish_id = publish(
            self.wh.build_db, serving, self.tmp / "published", quality=report.rows()
        ).publish_id
        with duckdb.connect(str(self.raw), read_only=True) as con:
            loads = raw_fingerprint(con).loads
        assert loads is not None
        self.served = EarlierValidation(publish_id, loads, serving)

    def revise(self, indicator: str, measure: str, year: int, month: int, value: float) -> None:
        """A new release of one figure (year to date from January) with a later release date."""
        self.revisions += 1
        with duckdb.connect(str(self.raw)) as con:
            con.execute(
                """
                create temp table figure as
                select v.*, s.* exclude (release_no, series_no)
                from observation_values as v join release_series as s using (release_no, series_no)
                join release_loads as r using (release_no)
                where s.indicator_code = $indicator and s.measure = $measure and v.period_year = $year
                  and v.period_start_month = 1 and v.period_end_month = $month and r.withdrawn_at is null
                order by r.release_date desc limit 1
                """,
                {"indicator": indicator, "measure": measure, "year": year, "month": month},
            )
            con.execute(
                """
                insert into release_loads select (select max(release_no) + 1 from release_loads), source_id,
                    'revision-' || $n, location, landing_path, size_bytes, fetched_at,
                    date '2024-10-20' + $n::int, load_id, now(), 1, 1, 0, null, null
                from release_loads where release_no = (select release_no from figure)
                """,
                {"n": self.revisions},
            )
            con.execute(
                """
                insert into release_series select (select max(release_no) from release_loads), 1,
                    indicator_code, measure, unit, unit_raw, unit_multiplier, label_raw, file_sheet from figure;
                insert into observation_values select (select max(release_no) from release_loads), 1,
                    region_code, period_year, period_start_month, period_end_month, $value,
                    cast($value as varchar), file_row, obs_status
                from figure
                """.replace("$value", repr(float(value)))
            )

    def failing(self, new: NewFigures | None) -> dict[str, tuple[list[tuple], int | None]]:
        """Every grouped rule's failing rows and the figures it read (None: all), whole or with `new`.
        A rule that says it read part of the figures ran every query of its evaluation on the new
        releases' groups (each was given their releases), its check as well as its count."""
        out = {}
        with self.connect() as con:
            for rule in load_rules(RULES):
                if rule.id in GROUPED:
                    queries = Recorder(con)
                    result = evaluate(cast(duckdb.DuckDBPyConnection, queries), rule, {}, AS_OF, TODAY, new)
                    out[rule.id] = (result.failing, result.figures)
                    scoped = [bool(p and new and p.get("shas") == new.shas) for p in queries.params]
                    assert (
                        scoped == [result.figures is not None] * 2
                        if result.figures is not None
                        else not any(scoped)
                    )
        return out

    def new(self) -> NewFigures:
        assert self.served is not None
        with self.connect() as con:
            found = new_figures(con, self.served)
        assert found is not None
        return found


class Recorder:
    """A connection that keeps the parameters of every query it runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.params = con, list[Any]()

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        self.params.append(params)
        return self.con.execute(sql, params)


@pytest.fixture
def nights(built_warehouse: Warehouse, tmp_path: Path) -> Nights:
    raw = tmp_path / "raw.duckdb"
    shutil.copyfile(built_warehouse.raw_db, raw)
    return Nights(built_warehouse, raw, tmp_path)


def _results(report: ValidationReport) -> dict[str, tuple[bool, int | None, list]]:
    return {
        c.check: (c.success, c.failing_rows, c.sample) for c in report.checks if c.dataset == "quality_rules"
    }


def _same_as_whole(nights: Nights) -> ValidationReport:
    """The night validated with the served publish behind it and whole: the same results; and each
    grouped rule's failing rows, evaluated alone, the same. Returns the night's (partial) report."""
    night, whole = nights.validate(), nights.validate(earlier=False)
    assert _results(night) == _results(whole)
    partial, every = nights.failing(nights.new()), nights.failing(None)
    assert {r: rows for r, (rows, _) in partial.items()} == {r: rows for r, (rows, _) in every.items()}
    assert night.rule_figures == {r: n for r, (_, n) in partial.items() if n is not None}
    return night


def test_nights_of_revisions_fail_exactly_the_rows_a_whole_evaluation_fails(nights: Nights) -> None:
    first = nights.validate(earlier=False)
    assert {r for r, (ok, _, _) in _results(first).items() if not ok} >= {OUTLIER}  # the sample's outlier
    assert not first.rule_figures
    nights.publish(first)

    # night 1: 2023's June revised to 2024's: the 2024 outlier is one no more. The served outlier rule
    # failed, so it is evaluated whole; the other grouped rules recheck the revised figure's groups.
    nights.revise("low_income_household_income", "ytd_growth_pct", 2023, 6, 10.6)
    one = _same_as_whole(nights)
    assert _results(one)[OUTLIER][0] and OUTLIER not in one.rule_figures
    assert one.rule_figures[YTD] == 0  # a growth rate is not a year-to-date flow: no group of the rule
    nights.publish(one)

    # night 2: 2023's June revised back (2024's June is an outlier again: a revision of another year) and
    # industrial investment's June 2023 above its July and above FAI: both fail, on a partial evaluation
    nights.revise("low_income_household_income", "ytd_growth_pct", 2023, 6, 9.8)
    nights.revise("industrial_investment", "ytd_value", 2023, 6, 250.0)
    two = _same_as_whole(nights)
    failed = {c.check: c for c in two.checks if not c.success}
    assert {OUTLIER, YTD, WITHIN_FAI} <= set(failed)
    assert failed[OUTLIER].sample[0][:4] == (
        "low_income_household_income",
        "district",
        "ytd_growth_pct",
        "2024",
    )
    assert failed[YTD].failing_rows == 1 and failed[YTD].sample[0][1:4] == (
        "industrial_investment",
        "2023",
        "7",
    )
    # each rechecked only the groups of the two revisions: four Junes of one figure, a year of one
    # series, one month of the two indicators
    assert (
        two.rule_figures[OUTLIER] == 4 and two.rule_figures[YTD] == 11 and two.rule_figures[WITHIN_FAI] == 2
    )
    scope = f"rows of the 2 release(s) loaded since publish {nights.served and nights.served.publish_id}"
    assert all(scope in (failed[r].scope or "") for r in (OUTLIER, YTD, WITHIN_FAI))
    # a blocking failure is not published: the next night is compared with the same publish

    # night 3: the June revised again, below July: it stops failing (the served results passed)
    nights.revise("industrial_investment", "ytd_value", 2023, 6, 111.48)
    three = _same_as_whole(nights)
    assert _results(three)[YTD][0] and _results(three)[WITHIN_FAI][0] and not _results(three)[OUTLIER][0]
    assert three.rule_figures[YTD] == 11 and "3 release(s)" in (three.checks[0].scope or "")


def test_a_rule_evaluates_whole_when_it_failed_its_definition_changed_or_a_load_is_gone(
    nights: Nights,
) -> None:
    nights.publish(nights.validate(earlier=False))
    nights.revise("industrial_investment", "ytd_value", 2023, 6, 111.0)
    night = nights.validate()
    assert night.rule_figures.get(YTD) == 11
    # the served outlier rule failed (the sample's 2024 outlier, in a group no revision touched): whole
    assert OUTLIER not in night.rule_figures and not _results(night)[OUTLIER][0]

    changed = nights.tmp / "rules.yml"
    changed.write_text(RULES.read_text(encoding="utf-8").replace("measures: [ytd_value, count_ytd]",
                                                                 "measures: [ytd_value]"), encoding="utf-8")  # fmt: skip
    night = nights.validate(rules=changed)
    assert YTD not in night.rule_figures and WITHIN_FAI in night.rule_figures
    assert next(c for c in night.checks if c.check == YTD).scope is None

    with duckdb.connect(str(nights.raw)) as con:  # a load of the served publish withdrawn since
        con.execute("update release_loads set withdrawn_at = now() where release_no = 1")
    with nights.connect() as con:
        assert nights.served is not None and new_figures(con, nights.served) is None
    assert not nights.validate().rule_figures
