"""The run record: one typed record per nightly run, that the steps write and everyone else reads.

Each step of a run writes its own part (so no two Airflow tasks ever write the same file, and a
failure callback needs no database): the start (as-of month, plans), one fetch and one load part per
source, the state of the raw layer after loading, the night's plan (build or skip, and why), the dbt
build, the validation, the publish, one part per plan report, every skipped step with its reason, any
task failure, and the outcome. `RunStore.load` assembles them into a `RunRecord`; the command line, the
watchdog and the alerts read that, and `planwatch.policy` decides from it whether the run failed.

    <state>/runs/<run>/start.json, fetched/<id>.json, sources/<id>.json, raw.json, plan.json,
                       build.json, validation.json, publish.json, reports/<plan>.json,
                       skipped/<step>.json, failures/<task>.json, outcome.json
    <state>/runs/LATEST   the folder name of the newest run that finished
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError
from planwatch.fingerprint import Fingerprint, RawFingerprint

_Model = TypeVar("_Model", bound=BaseModel)


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunStart(_Part):
    run_id: str
    dag_id: str
    as_of: str  # YYYY-MM
    as_of_explicit: bool = False
    known_on: str | None = None  # YYYY-MM-DD: figures as known on that day, not as restated since
    started_at: datetime
    sources: list[str] = Field(default_factory=list)


class SourceFetch(_Part):
    """What fetching one source landed (ingest.pipeline.FetchResult as JSON), or why it could not."""

    source_id: str
    result: dict[str, Any] | None = None
    error: str | None = None  # one line
    retryable: bool = False


class SourceLoad(_Part):
    source_id: str
    status: Literal["loaded", "unchanged", "rejected", "failed"]
    rows_loaded: int = 0
    releases_new: int = 0
    releases_unchanged: int = 0
    releases_missing: int = 0
    rejected: list[str] = Field(default_factory=list)
    reason: str | None = None  # why a source failed (one line), when it did


class NightPlan(_Part):
    """What the night does after loading, decided from what changed since the serving warehouse."""

    build: bool
    selection: Literal["full", "new_data"] | None = None  # what dbt rebuilds, when it builds
    dbt_select: str | None = (
        None  # new data: dbt's --select of what is downstream of the raw tables that changed
    )
    reasons: list[str] = Field(default_factory=list)  # what changed, or why nothing needs building
    fingerprint: Fingerprint
    compared_with: str | None = None  # the publish id of the serving warehouse it was compared with
    # sources whose raw suites are validated again; None: every source (anything but raw changed)
    changed_sources: list[str] | None = None
    report: bool = True
    # new data: the build file was, before tonight's dbt, built from the inputs of the publish compared
    # with, so what dbt does not rebuild tonight is what that publish serves (a partial publish may start
    # from it)
    build_is_served: bool = False


class BuildOutcome(_Part):
    """The dbt build, as dbt reported its nodes (planwatch.dbt_runtime.BuildEvents)."""

    selection: str
    ok: bool
    nodes: int = 0
    models: list[str] = Field(default_factory=list)  # models (re)built
    failed: list[str] = Field(default_factory=list)  # nodes that errored or failed, one line each
    elapsed_s: float | None = None


class ValidationOutcome(_Part):
    passed: bool
    checks: int
    scope: list[str] | None = None  # datasets validated this night; None: every dataset
    carried: int = 0  # results of datasets that did not change, kept from the serving warehouse
    rows_read: dict[str, int] = Field(default_factory=dict)  # dataset -> rows its suite read this night
    # dataset -> the rows read when not all of it: a raw source's releases new since the served publish
    partial: dict[str, str] = Field(default_factory=dict)
    # SQL rule -> the figures it read when it rechecked only the groups of those releases
    rule_figures: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    blocking: list[str] = Field(default_factory=list)
    data_docs: str | None = None
    # one row per check, for the quality table of the serving file (quality.check_results)
    check_rows: list[dict[str, Any]] = Field(default_factory=list)


class ExportOutcome(_Part):
    name: str  # parquet, sdmx
    path: str | None = None
    error: str | None = None
    reused: list[str] = Field(default_factory=list)  # files linked from the publish it was copied from


class PublishOutcome(_Part):
    publish_id: str
    serving_db: str
    exports: list[ExportOutcome] = Field(default_factory=list)
    base: str | None = None  # a partial publish: the publish its file was copied from
    kept: list[str] = Field(default_factory=list)  # the tables (schema.table) kept from it as they were

    @property
    def failed_exports(self) -> list[ExportOutcome]:
        return [e for e in self.exports if e.error]


class ReportOutcome(_Part):
    plan_id: str
    plan_title: str | None = None
    as_of: str
    html: str | None = None
    xlsx: str | None = None
    status_counts: dict[str, int] = Field(default_factory=dict)


class StepSkipped(_Part):
    step: str
    reason: str


class TaskFailure(_Part):
    task_id: str
    error: str  # one line
    error_type: str
    retryable: bool = False
    at: datetime


class RunOutcome(_Part):
    ok: bool
    problems: list[str] = Field(default_factory=list)
    finished_at: datetime


class RunRecord(BaseModel):
    """Everything known about one run, assembled from its parts."""

    start: RunStart | None = None
    fetched: list[SourceFetch] = Field(default_factory=list)
    sources: list[SourceLoad] = Field(default_factory=list)
    raw: RawFingerprint | None = None
    plan: NightPlan | None = None
    build: BuildOutcome | None = None
    validation: ValidationOutcome | None = None
    publish: PublishOutcome | None = None
    reports: list[ReportOutcome] = Field(default_factory=list)
    skipped: list[StepSkipped] = Field(default_factory=list)
    failures: list[TaskFailure] = Field(default_factory=list)
    outcome: RunOutcome | None = None

    @property
    def run_id(self) -> str | None:
        return self.start.run_id if self.start else None

    @property
    def failed_sources(self) -> list[str]:
        loaded = {s.source_id for s in self.sources if s.status in ("loaded", "unchanged")}
        expected = self.start.sources if self.start else []
        return sorted((set(expected) | {s.source_id for s in self.sources}) - loaded)


def run_folder_name(run_id: str) -> str:
    """A file-system-safe folder name for an Airflow run id (manual__2024-10-01T02:00:00+00:00)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id).strip("._") or "run"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


class RunStore:
    """Where run records live: <state>/runs. Each part is written atomically by one task."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, run_id: str) -> Path:
        return self.root / run_folder_name(run_id)

    def write(self, run_id: str, name: str, part: BaseModel) -> Path:
        path = self.folder(run_id) / f"{name}.json"
        _write_atomic(path, part.model_dump_json(indent=2))
        return path

    def start(self, part: RunStart) -> None:
        folder = self.folder(part.run_id)
        for stale in (
            "outcome.json",
            "raw.json",
            "plan.json",
            "build.json",
            "validation.json",
            "publish.json",
        ):
            (folder / stale).unlink(missing_ok=True)  # a cleared run starts its record again
        for sub in ("fetched", "sources", "reports", "failures", "skipped"):
            for old in (folder / sub).glob("*.json"):
                old.unlink()
        self.write(part.run_id, "start", part)

    def fetched(self, run_id: str, part: SourceFetch) -> None:
        self.write(run_id, f"fetched/{part.source_id}", part)

    def source(self, run_id: str, part: SourceLoad) -> None:
        self.write(run_id, f"sources/{part.source_id}", part)

    def raw(self, run_id: str, part: RawFingerprint) -> None:
        self.write(run_id, "raw", part)

    def plan(self, run_id: str, part: NightPlan) -> None:
        self.write(run_id, "plan", part)

    def build(self, run_id: str, part: BuildOutcome) -> None:
        self.write(run_id, "build", part)

    def validation(self, run_id: str, part: ValidationOutcome) -> None:
        self.write(run_id, "validation", part)

    def publish(self, run_id: str, part: PublishOutcome) -> None:
        self.write(run_id, "publish", part)

    def report(self, run_id: str, part: ReportOutcome) -> None:
        self.write(run_id, f"reports/{part.plan_id}", part)

    def skip(self, run_id: str, part: StepSkipped) -> None:
        self.write(run_id, f"skipped/{part.step}", part)

    def failure(self, run_id: str, part: TaskFailure) -> None:
        self.write(run_id, f"failures/{run_folder_name(part.task_id)}", part)

    def finish(self, run_id: str, part: RunOutcome) -> None:
        self.write(run_id, "outcome", part)
        _write_atomic(self.root / "LATEST", run_folder_name(run_id) + "\n")

    def load(self, run_id: str) -> RunRecord:
        return self._load_folder(self.folder(run_id))

    def latest(self) -> RunRecord | None:
        pointer = self.root / "LATEST"
        if not pointer.exists():
            return None
        return self._load_folder(self.root / pointer.read_text(encoding="utf-8").strip())

    def since(self, moment: datetime) -> RunRecord | None:
        """The record of the run a command started at `moment`: the newest one that finished after it
        (even if it failed before writing its start), else the newest one that started after it."""
        finished = self.latest()
        if finished is not None and finished.outcome is not None and finished.outcome.finished_at >= moment:
            return finished
        return self.latest_started_after(moment)

    def latest_started_after(self, moment: datetime) -> RunRecord | None:
        """The newest run (finished or not) that started after `moment`: what a command just ran."""
        candidates = []
        for start in self.root.glob("*/start.json"):
            part = _read(start, RunStart)
            if part.started_at >= moment:
                candidates.append((part.started_at, start.parent))
        return self._load_folder(max(candidates)[1]) if candidates else None

    def _load_folder(self, folder: Path) -> RunRecord:
        def one(name: str, model: type[_Model]) -> _Model | None:
            path = folder / f"{name}.json"
            return _read(path, model) if path.exists() else None

        def many(sub: str, model: type[_Model]) -> list[_Model]:
            return [_read(p, model) for p in sorted((folder / sub).glob("*.json"))]

        return RunRecord(
            start=one("start", RunStart),
            fetched=many("fetched", SourceFetch),
            sources=many("sources", SourceLoad),
            raw=one("raw", RawFingerprint),
            plan=one("plan", NightPlan),
            build=one("build", BuildOutcome),
            validation=one("validation", ValidationOutcome),
            publish=one("publish", PublishOutcome),
            reports=many("reports", ReportOutcome),
            skipped=many("skipped", StepSkipped),
            failures=many("failures", TaskFailure),
            outcome=one("outcome", RunOutcome),
        )


def _read(path: Path, model: type[_Model]) -> _Model:
    try:
        return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigError(f"{path}: not a valid {model.__name__} run-record part ({exc})") from exc


def now() -> datetime:
    return datetime.now(UTC)
