"""The bundled bureau returns and review logs, loaded as the night loads them: a return from every bureau
for every month, believable figures, and one of each case the review flow and the calendar must handle."""

from __future__ import annotations

from datetime import date, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from ingest.formats.progress_return.catalog import load_catalog
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import load_registry
from returns.calendar import load_calendar
from tests.conftest import REPO, SAMPLES

REGISTRY = load_registry(REPO / "config" / "sources")
CST = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("returns_samples")
    paths = IngestPaths(SAMPLES, tmp / "landing", tmp / "quarantine", tmp / "raw.duckdb")
    returns = ingest_source(
        REGISTRY["bureau_progress_returns"], paths, date(2025, 3, 1), today=date(2026, 1, 1)
    )
    reviews = ingest_source(
        REGISTRY["bureau_return_reviews"], paths, date(2025, 3, 1), today=date(2026, 1, 1)
    )
    assert (returns.status, len(returns.answered), reviews.status) == ("loaded", 1, "loaded"), (
        reviews.rejected
    )
    con = duckdb.connect(str(paths.raw_db), read_only=True)
    con.execute("create temp table latest as select sha256, arg_max(decision, decided_at) as state, "
                "max(decided_at) filter (where decision = 'accepted') as accepted_at from return_reviews group by 1")  # fmt: skip
    reply = next((tmp / "quarantine" / "bureau_progress_returns").iterdir())
    assert sorted(p.name for p in reply.iterdir()) == [
        "REASON.txt", "housing_construction.xlsx", "housing_construction_问题标注.xlsx", "回复.txt"
    ]  # fmt: skip
    return con


def test_every_bureau_returns_every_month_of_both_plans(raw: duckdb.DuckDBPyConnection) -> None:
    catalog = load_catalog()
    got = set(
        raw.execute("select plan_id, bureau_code, period_year, period_month from progress_returns").fetchall()
    )
    months = [(2024, m) for m in range(1, 13)] + [(2025, m) for m in range(1, 4)]
    plans = {2024: "district_2024", 2025: "district_2025"}
    expected = {(plans[y], b, y, m) for y, m in months for b in catalog.bureaus_of(plans[y])}
    assert got == expected


def test_one_return_is_late_by_three_working_days_and_the_rest_on_time(
    raw: duckdb.DuckDBPyConnection,
) -> None:
    calendar = load_calendar()
    firsts = raw.execute(
        "select bureau_code, period_year, period_month, min(submitted_at) from progress_returns group by all"
    ).fetchall()
    late = {(b, y, m): calendar.late_working_days(at.astimezone(CST).date(), y, m) for b, y, m, at in firsts}
    assert {k: v for k, v in late.items() if v} == {("water", 2024, 3): 3}


def test_one_sent_back_and_resubmitted_one_revised_and_one_pending(raw: duckdb.DuckDBPyConnection) -> None:
    cases = raw.execute(
        """select r.bureau_code, r.period_year, r.period_month, list(coalesce(l.state, 'pending') order by r.submitted_at)
           from progress_returns r left join latest l using (sha256) group by all having count(*) > 1
              or bool_or(l.state is null or l.state <> 'accepted') order by all"""
    ).fetchall()
    assert cases == [
        ("culture_tourism", 2025, 3, ["pending"]),
        ("science_tech", 2024, 6, ["accepted", "accepted"]),
        ("transport", 2024, 4, ["sent_back", "accepted"]),
    ]
    reason = raw.execute("select reason from return_reviews where decision = 'sent_back'").fetchall()
    assert reason == [("进展情况过于简略，请补充各项目本月形象进度",)]
    revised = raw.execute(
        """select v1.target_id, v1.cumulative_value, v2.cumulative_value, v2.note
           from progress_returns a join progress_returns b on a.bureau_code = b.bureau_code
               and (a.period_year, a.period_month) = (b.period_year, b.period_month) and a.submitted_at < b.submitted_at
           join progress_return_rows v1 on v1.sha256 = a.sha256
           join progress_return_rows v2 on v2.sha256 = b.sha256 and v2.target_id = v1.target_id
           where a.bureau_code = 'science_tech' and v1.cumulative_value is distinct from v2.cumulative_value"""
    ).fetchall()
    assert len(revised) == 1 and revised[0][2] == revised[0][1] + 1 and revised[0][3].startswith("补报")


def test_accepted_amounts_never_fall_and_milestones_only_move_forward(raw: duckdb.DuckDBPyConnection) -> None:
    catalog = load_catalog()
    rows = raw.execute(
        """select x.target_id, r.period_month, x.cumulative_value, x.milestone_state, x.next_stage, x.next_stage_date
           from progress_return_rows x join progress_returns r using (sha256) join latest l using (sha256)
           where l.state = 'accepted' and r.period_year = 2024
           qualify row_number() over (partition by x.target_id, r.period_month order by l.accepted_at desc) = 1
           order by x.target_id, r.period_month"""
    ).fetchall()
    last: dict[str, tuple[float | None, int]] = {}
    for target_id, month, value, state, next_stage, planned in rows:
        target = catalog.targets[target_id]
        order = catalog.states[state].stage_order if state else -1
        before_value, before_order = last.get(target_id, (None, -1))
        if target.kind in ("count", "level", "stock") and value is not None and before_value is not None:
            assert value >= before_value, (target_id, month)
        assert order >= before_order, (target_id, month)
        if target.is_milestone and not catalog.states[state].is_done:
            assert next_stage and planned, (target_id, month)  # the warehouse needs the planned stage
        last[target_id] = (value if value is not None else before_value, order)


def test_by_september_every_2024_target_has_an_accepted_figure_or_state(
    raw: duckdb.DuckDBPyConnection,
) -> None:
    """Issue 12's done-when, on the returns side: at least 140 of 147 (here all 147)."""
    covered = raw.execute(
        """select count(distinct x.target_id) from progress_return_rows x join progress_returns r using (sha256)
           join latest l using (sha256) where l.state = 'accepted' and r.plan_id = 'district_2024'
             and r.period_month = 9 and (x.cumulative_value is not null or x.milestone_state is not null)"""
    ).fetchall()
    assert covered == [(147,)]


def test_the_bundled_files_sit_one_per_bureau_in_the_months_folder() -> None:
    april = sorted(p.name for p in (SAMPLES / "returns" / "2024-04").iterdir())
    assert "transport.xlsx" in april and "transport_v2.xlsx" in april and "review_log.csv" in april
    assert len([n for n in april if n.endswith(".xlsx")]) == 23
    assert Path(SAMPLES / "returns" / "2024-05" / "housing_construction_v2.xlsx").is_file()
