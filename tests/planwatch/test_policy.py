"""What fails a night, what the watchdog accepts, and what Airflow retries: the rules, pinned."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import duckdb
import pytest

from core.errors import ConfigError, DataError, TransientError
from planwatch.policy import NightOverdue, check_night, judge, night_start
from planwatch.retry import RETRY_POLICY
from planwatch.runs import (
    ExportOutcome,
    PublishOutcome,
    RunOutcome,
    RunRecord,
    RunStart,
    RunStore,
    SourceFetch,
    SourceLoad,
    StepSkipped,
    TaskFailure,
    ValidationOutcome,
)

T0 = datetime(2025, 2, 1, 18, 0, tzinfo=UTC)  # 02:00 on 2 February in Asia/Shanghai


def _good(**changes: object) -> RunRecord:
    record = RunRecord(
        start=RunStart(run_id="r", dag_id="d", as_of="2025-01", started_at=T0, sources=["a", "b"]),
        sources=[SourceLoad(source_id="a", status="loaded"), SourceLoad(source_id="b", status="unchanged")],
        validation=ValidationOutcome(passed=True, checks=10),
        publish=PublishOutcome(publish_id="p", serving_db="s"),
    )
    return record.model_copy(update=changes)


def test_a_night_where_every_step_ran_is_ok() -> None:
    assert judge(_good()).ok


def test_a_failed_report_fails_the_run_and_is_named() -> None:
    failure = TaskFailure(
        task_id="report", error="no progress rows for 2025-02", error_type="DataError", at=T0
    )
    verdict = judge(_good(failures=[failure]))
    assert not verdict.ok and verdict.problems == ["report failed: no progress rows for 2025-02"]


def test_a_rejected_source_and_a_source_that_never_reported_both_fail_the_run() -> None:
    rejected = SourceLoad(source_id="a", status="rejected", rejected=["[source=a, file=x.csv] bad"])
    crashed = TaskFailure(task_id="load_sources", error="boom", error_type="OSError", at=T0)
    verdict = judge(_good(sources=[rejected], failures=[crashed]))
    assert verdict.problems == [
        "source a not loaded: [source=a, file=x.csv] bad",
        "source b not loaded: load_sources: boom",
    ]


def test_a_source_whose_fetch_failed_is_named_with_the_fetch_error() -> None:
    unreachable = SourceFetch(
        source_id="b", error="HTTP 503 from stats.example.gov.cn（3次重试后）", retryable=True
    )
    gave_up = TaskFailure(
        task_id="fetch_sources", error="b: HTTP 503", error_type="TransientFetchError", at=T0
    )
    verdict = judge(_good(sources=_good().sources[:1], fetched=[unreachable], failures=[gave_up]))
    assert verdict.problems == [
        "source b not loaded: fetch failed: HTTP 503 from stats.example.gov.cn（3次重试后）"
    ]


def test_a_night_with_nothing_new_is_ok_and_the_watchdog_accepts_it() -> None:
    reason = "nothing new since publish p"
    skipped = [StepSkipped(step=s, reason=reason) for s in ("dbt_build", "validate", "publish", "report")]
    night = _good(validation=None, publish=None, skipped=skipped)
    assert judge(night).ok
    at = datetime(2025, 2, 1, 23, 0, tzinfo=UTC)
    finished = night.model_copy(update={"outcome": RunOutcome(ok=True, finished_at=at)})
    assert check_night(finished, at, "Asia/Shanghai", time(2, 0)) is finished


def test_a_step_skipped_for_a_stated_reason_is_not_a_failure() -> None:
    skipped = [
        StepSkipped(step="validate", reason="nothing new"),
        StepSkipped(step="publish", reason="nothing new"),
    ]
    assert judge(_good(validation=None, publish=None, skipped=skipped)).ok


def test_validation_not_run_and_nothing_published_are_two_problems() -> None:
    failure = TaskFailure(task_id="dbt_build", error="model x failed", error_type="X", at=T0)
    verdict = judge(_good(validation=None, publish=None, failures=[failure]))
    assert verdict.problems == [
        "build or validation failed: dbt_build: model x failed",
        "not published: did not run (dbt_build failed: model x failed)",
    ]


def test_a_failed_parquet_export_fails_the_run_although_the_warehouse_was_published() -> None:
    exports = [ExportOutcome(name="parquet", error="disk full"), ExportOutcome(name="sdmx", path="x.csv")]
    publish = PublishOutcome(publish_id="p", serving_db="s", exports=exports)
    assert judge(_good(publish=publish)).problems == [
        "parquet export failed (the warehouse was published): disk full"
    ]


def test_no_start_means_prepare_failed() -> None:
    failure = TaskFailure(task_id="prepare", error="configuration invalid", error_type="ConfigError", at=T0)
    verdict = judge(RunRecord(failures=[failure]))
    assert verdict.problems == ["prepare failed, nothing ran: prepare: configuration invalid"]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (
            datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 18, 0, tzinfo=UTC),
        ),  # 07:00 -> 02:00
        (
            datetime(2026, 11, 30, 17, 59, tzinfo=UTC),
            datetime(2026, 11, 29, 18, 0, tzinfo=UTC),
        ),  # 01:59 local
        (
            datetime(2026, 11, 30, 18, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 18, 0, tzinfo=UTC),
        ),  # 02:00 exactly
    ],
)
def test_the_night_starts_at_two_in_the_districts_time(at: datetime, expected: datetime) -> None:
    assert night_start(at, "Asia/Shanghai", time(2, 0)) == expected


def test_the_watchdog_wants_a_finished_good_run_of_tonight() -> None:
    at = datetime(2025, 2, 1, 23, 0, tzinfo=UTC)
    with pytest.raises(NightOverdue, match="no nightly run started since 2025-02-02 02:00"):
        check_night(None, at, "Asia/Shanghai", time(2, 0))
    with pytest.raises(NightOverdue, match="has not finished"):
        check_night(_good(), at, "Asia/Shanghai", time(2, 0))
    failed = _good(outcome=RunOutcome(ok=False, problems=["not published: x"], finished_at=at))
    with pytest.raises(NightOverdue, match="failed: not published: x"):
        check_night(failed, at, "Asia/Shanghai", time(2, 0))
    good = _good(outcome=RunOutcome(ok=True, finished_at=at))
    assert check_night(good, at, "Asia/Shanghai", time(2, 0)) is good


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (TransientError("server busy"), True),
        (OSError("connection reset"), True),
        (duckdb.IOException("Could not set lock on file"), False),  # planwatch raises TransientError for it
        (DataError("older build"), False),
        (ConfigError("unknown placeholder"), False),
        (TypeError("a bug"), False),
    ],
)
def test_only_what_can_pass_is_retried(error: BaseException, retried: bool) -> None:
    action = RETRY_POLICY.evaluate(error, try_number=1, max_tries=3).action
    assert (action.value == "retry") is retried


def test_the_run_record_round_trips_through_its_parts(tmp_path: Path) -> None:
    runs = RunStore(tmp_path)
    record = _good()
    assert record.start is not None
    runs.start(record.start)
    for source in record.sources:
        runs.source("r", source)
    assert record.validation and record.publish
    runs.validation("r", record.validation)
    runs.publish("r", record.publish)
    runs.finish("r", RunOutcome(ok=True, finished_at=T0))
    again = runs.latest()
    assert again is not None and again.model_copy(update={"outcome": None}) == record
    runs.start(record.start)  # a cleared run starts its record again
    assert runs.load("r").validation is None and runs.load("r").sources == []


def test_a_damaged_part_is_a_clear_error(tmp_path: Path) -> None:
    runs = RunStore(tmp_path)
    runs.start(RunStart(run_id="r", dag_id="d", as_of="2025-01", started_at=T0))
    (tmp_path / "r" / "validation.json").write_text("{not json")
    with pytest.raises(ConfigError, match="validation.json: not a valid ValidationOutcome"):
        runs.load("r")


def test_a_failed_validation_fails_the_night_with_its_blocking_checks_named() -> None:
    """Even with a publish recorded (a cleared publish task, say), a failed validation fails the night."""
    failed = ValidationOutcome(passed=False, checks=10, blocking=["fct_target_progress: 3 null statuses"])
    verdict = judge(_good(validation=failed))
    assert not verdict.ok
    assert verdict.problems == ["validation failed: fct_target_progress: 3 null statuses"]
