"""Nights that cost what changed: whether tonight builds at all, and what dbt rebuilds when it does.

After loading, the night's fingerprint (planwatch.fingerprint) is compared with the one stored with the
publish being served:
- the same: nothing new. dbt, validation and publish are skipped with the reason, and so is the report
  when the reports of that publish are still on disk;
- only raw loads differ, and the last successful dbt build was made of the same catalog, project,
  configuration and as-of month: dbt rebuilds the tables downstream of the raw tables that changed
  (`source:*.observations+ source:*.releases+` on a night of new statistics; a format with tables of
  its own, such as bureau progress returns, selects those) and runs their data tests, but re-creates
  no view (`new_data_selection`), validation runs the raw suites of the
  sources that changed, on the rows of their releases new since the publish (expectations/earlier.py),
  and the suites of the marts that were rebuilt, whole, and keeps the publish's other results; when the
  build file was made of the served publish's inputs (no build since it that was not published),
  publishing copies the serving file and replaces only the tables dbt rebuilt;
- anything else (or `full`, or no fingerprint to compare with): everything is built and validated.

Why selection by source and not dbt's state:modified: a night's change is new data, which dbt's state
comparison does not see. Every statistics bureau's figures reach dbt through the same raw views, so a
night of new statistics rebuilds what is downstream of them; it keeps the seeds, the catalog models and
the progress-return models and their tests (benchmarks/README.md has the measurements).

State, under <state>/incremental/:
    published/<publish id>.json   the fingerprint a publish was built from, and the reports written of it
    last_build.json               the fingerprint of the last dbt build that finished without an error;
                                  removed when a build starts, so a failed or killed build is never reused
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError
from core.faults import checkpoint
from core.settings import Settings, load_settings
from planwatch.dbt_runtime import BUILD_EVENTS
from planwatch.fingerprint import (
    Fingerprint,
    RawFingerprint,
    changed_sources,
    describe_changes,
    night_fingerprint,
)
from planwatch.runs import BuildOutcome, NightPlan, RunStore, StepSkipped

log = logging.getLogger(__name__)

FIGURE_TABLES = ("observations", "releases")  # the raw views every figure-format release reaches dbt by
RELEASE_TABLES = ("releases",)  # what a release of a format with tables of its own adds beside them


class ReportFiles(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: str
    files: list[str] = Field(default_factory=list)


class PublishedInputs(BaseModel):
    """What one publish was built from, and which reports were written of it."""

    model_config = ConfigDict(extra="forbid")
    publish_id: str
    fingerprint: Fingerprint
    reported: bool = False  # the report step ran on this publish (even if no plan was active)
    reports: dict[str, ReportFiles] = Field(default_factory=dict)  # plan id -> its report files

    def reports_on_disk(self, plan_id: str | None = None) -> bool:
        """The report step ran on this publish and its files (of one plan, or of every plan) still exist."""
        if not self.reported:
            return False
        wanted = (
            [self.reports[plan_id]] if plan_id in self.reports else [] if plan_id else self.reports.values()
        )
        if plan_id and not wanted:
            return False
        return all(Path(f).exists() for r in wanted for f in r.files)


def _write(path: Path, model: BaseModel) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as tmp:
        tmp.write(model.model_dump_json(indent=2))
    os.replace(tmp.name, path)


def _read(path: Path, model: type[Any]) -> Any:
    if not path.exists():
        return None
    try:
        return model.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigError(
            f"{path}: not a valid {model.__name__} ({exc}); delete it to rebuild fully"
        ) from exc


class InputsStore:
    """<state>/incremental: the fingerprints of publishes and of the last good build."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, settings: Settings) -> InputsStore:
        return cls(settings.state_dir / "incremental")

    def _published(self, publish_id: str) -> Path:
        return self.root / "published" / f"{publish_id}.json"

    def published(self, publish_id: str | None) -> PublishedInputs | None:
        return _read(self._published(publish_id), PublishedInputs) if publish_id else None

    def save_published(self, publish_id: str, fingerprint: Fingerprint, keep: set[str]) -> None:
        """Store what a publish was built from; forget the publishes no longer kept for rollback."""
        _write(self._published(publish_id), PublishedInputs(publish_id=publish_id, fingerprint=fingerprint))
        for old in (self.root / "published").glob("*.json"):
            if old.stem not in keep | {publish_id}:
                old.unlink()

    def record_reports(self, publish_id: str, reports: dict[str, ReportFiles]) -> None:
        inputs = self.published(publish_id)
        if inputs is None:
            return  # a publish made before fingerprints were kept: the next build records one
        merged = inputs.model_copy(update={"reported": True, "reports": inputs.reports | reports})
        _write(self._published(publish_id), merged)

    def last_build(self) -> Fingerprint | None:
        return _read(self.root / "last_build.json", Fingerprint)

    def save_build(self, fingerprint: Fingerprint) -> None:
        _write(self.root / "last_build.json", fingerprint)

    def forget_build(self) -> None:
        (self.root / "last_build.json").unlink(missing_ok=True)


def changed_tables(
    before: RawFingerprint, after: RawFingerprint, figure_sources: Collection[str] | None
) -> list[str]:
    """The raw tables (dbt sources) whose contents changed: the figure views for a source whose releases
    are figures (all sources when `figure_sources` is None), and every other raw table whose rows changed
    (a format's own tables)."""
    tables: set[str] = set()
    for source_id in changed_sources(before, after):
        figures = figure_sources is None or source_id in figure_sources
        tables |= set(FIGURE_TABLES if figures else RELEASE_TABLES)
    tables |= {
        t for t in set(before.tables) | set(after.tables) if before.tables.get(t) != after.tables.get(t)
    }
    return sorted(tables)


def withdrawn_since(last_build: Fingerprint | None, current: Fingerprint) -> list[str]:
    """Sources with a load withdrawn (or reprocessed) since the last build, in id order."""
    if last_build is None or last_build.raw is None or current.raw is None:
        return []
    before, after = last_build.raw.sources, current.raw.sources
    return sorted(
        s for s, now in after.items() if now.withdrawn != (before[s].withdrawn if s in before else 0)
    )


def decide(
    current: Fingerprint,
    served: PublishedInputs | None,
    last_build: Fingerprint | None,
    *,
    full: bool = False,
    plan_id: str | None = None,
    figure_sources: Collection[str] | None = None,
) -> NightPlan:
    """Build or skip, and what to build: see the module's docstring."""
    compared = served.publish_id if served else None
    if full:
        return NightPlan(
            build=True, selection="full", reasons=["a full rebuild was asked for"], fingerprint=current,
            compared_with=compared,
        )  # fmt: skip
    if served is None:
        reason = "no serving warehouse built with a recorded fingerprint: everything is built"
        return NightPlan(build=True, selection="full", reasons=[reason], fingerprint=current)
    changes = describe_changes(served.fingerprint, current)
    if not changes:
        reason = (
            f"nothing new since publish {served.publish_id}: no release new, withdrawn or reprocessed, "
            f"as-of month {current.as_of}, catalog, dbt project and configuration unchanged"
        )
        return NightPlan(
            build=False, reasons=[reason], fingerprint=current, compared_with=compared,
            report=not served.reports_on_disk(plan_id),
        )  # fmt: skip
    tables: list[str] = []
    if last_build is not None and last_build.raw and current.raw and last_build.same_build_inputs(current):
        tables = changed_tables(last_build.raw, current.raw, figure_sources)
    if tables and withdrawn_since(last_build, current):
        # the incremental models take in rows loaded since their last run; a withdrawn load's rows leave
        # the raw views without a trace they could see, so only a full rebuild drops its figures
        reason = "a release was withdrawn or reprocessed since the last build: everything is rebuilt"
        return NightPlan(
            build=True, selection="full", reasons=[*changes, reason], fingerprint=current,
            compared_with=compared,
        )  # fmt: skip
    changed = None
    if tables and served.fingerprint.raw is not None and served.fingerprint.same_build_inputs(current):
        assert current.raw is not None
        changed = changed_sources(served.fingerprint.raw, current.raw)
    if not tables:  # nothing to reuse, or nothing new since the last build: build everything
        return NightPlan(
            build=True, selection="full", reasons=changes, fingerprint=current, compared_with=compared
        )
    return NightPlan(
        build=True, selection="new_data", reasons=changes, fingerprint=current, compared_with=compared,
        changed_sources=changed, dbt_select=new_data_selection(tables),
        build_is_served=last_build == served.fingerprint,
    )  # fmt: skip


# what a night of new data runs of what is downstream of a changed raw table: the tables and incremental
# models, and every data test (those of the views too)
REBUILT = ("config.materialized:table", "config.materialized:incremental", "resource_type:test")


def new_data_selection(tables: Collection[str]) -> str:
    """dbt's --select for a night of new data in `tables`: what is downstream of them, but not the views.

    A view holds no rows: it reads its tables when queried, so new data needs no new view, and a night of
    new data only builds when the dbt project, seeds and configuration are those of the last good build
    (`decide`), which created every view as the project defines it. Re-creating 13 unchanged views and
    their column comments cost 2.6 s of dbt's 13 s of node time (about 1.3 s of the night on 2 threads).
    Their data tests still run: the data under them changed. A union of intersections, because an
    `--exclude` of the views would drop their tests with them."""
    return " ".join(f"source:*.{t}+,{kind}" for t in tables for kind in REBUILT)


def plan_night(
    run_id: str, settings: Settings | None = None, *, full: bool = False, plan_id: str | None = None
) -> NightPlan:
    """The nightly step after loading: decide, record the plan, and record every step it skips."""
    from ingest.formats import FORMATS
    from ingest.registry import load_registry
    from publishing.publish import current_publish_id

    settings = settings or load_settings()
    runs = RunStore(settings.runs_dir)
    record = runs.load(run_id)
    if record.start is None:
        raise ConfigError(f"run {run_id} has no start in its run record: prepare did not run")
    current = night_fingerprint(settings, record.start.as_of, record.start.known_on, record.raw)
    inputs = InputsStore.of(settings)
    served = inputs.published(current_publish_id(settings.serving_db, settings.published_dir))
    last_build = inputs.last_build() if settings.build_db.exists() else None
    registry = load_registry(settings.sources_dir)
    figures = {sid for sid, s in registry.items() if FORMATS[s.format].tables is None}
    plan = decide(current, served, last_build, full=full, plan_id=plan_id, figure_sources=figures)
    runs.plan(run_id, plan)
    if plan.build:
        log.info("building (%s): %s", plan.selection, "; ".join(plan.reasons))
        return plan
    for step in ("dbt_build", "validate", "publish"):
        runs.skip(run_id, StepSkipped(step=step, reason=plan.reasons[0]))
    if not plan.report:
        reason = f"the reports of publish {plan.compared_with} (as of {current.as_of}) are already written"
        runs.skip(run_id, StepSkipped(step="report", reason=reason))
    log.info("nothing to build: %s", plan.reasons[0])
    return plan


def rebuilt_since_served(
    plan: NightPlan | None, build: BuildOutcome | None
) -> tuple[list[str] | None, str | None]:
    """The models dbt rebuilt since the build of the publish served, and that publish's id, when the
    night is one of new data built on that publish's build (a partial publish may start from it);
    (None, None): publish in full."""
    if plan is None or build is None or plan.selection != "new_data" or build.selection != "new_data":
        return None, None
    if not plan.build_is_served or plan.compared_with is None:
        return None, None
    return build.models, plan.compared_with


FULL_REFRESH = "--full-refresh"
# A night of new data selects the tables, incremental models and tests downstream of each raw table that
# changed: some of these intersections are empty by construction (no incremental model is downstream of
# the raw `sources` table, which a newly registered source changes), and dbt warned "does not match any
# enabled nodes" for each of them every such night. Silenced for that generated selection only; tests/dbt/test_night_selection.py checks that the
# selection picks what it should.
QUIET_EMPTY_PARTS = ("--warn-error-options", '{"silence": ["NoNodesForSelectionCriteria"]}')


def dbt_selection_args(plan: NightPlan | None) -> list[str]:
    """dbt's arguments for the night's plan: what is downstream of the raw tables that changed, or the
    whole project with --full-refresh. A full build is what a changed model, seed, configuration, as-of
    month or known-on date asks for; without --full-refresh the incremental models would keep the rows
    they computed before it (they only replace the keys that received new rows)."""
    if plan is not None and plan.dbt_select:
        return ["--select", *plan.dbt_select.split(), *QUIET_EMPTY_PARTS]
    return [FULL_REFRESH]


def choose_nodes(context: Any, operator: Any) -> None:
    """cosmos interceptor of the dbt task: select what the night's plan says (or refresh every incremental
    model on a full build), and forget the last good build until this one finishes."""
    settings = load_settings()
    plan = RunStore(settings.runs_dir).load(str(context["run_id"])).plan
    InputsStore.of(settings).forget_build()
    BUILD_EVENTS.reset()
    checkpoint("dbt.build.start")
    # cosmos adds dbt_cmd_flags after its own; an operator reused by one process must not keep a full night's
    flags = [
        f
        for f in (getattr(operator, "dbt_cmd_flags", None) or [])
        if f not in (FULL_REFRESH, *QUIET_EMPTY_PARTS)
    ]
    args = dbt_selection_args(plan)
    if args[0] == "--select":
        operator.select = plan.dbt_select if plan else None
        flags.extend(QUIET_EMPTY_PARTS)
        log.info("dbt rebuilds what is downstream of what changed: %s", operator.select)
    else:
        operator.select = None
        flags.append(FULL_REFRESH)
        log.info("dbt builds the whole project, incremental models refreshed")
    operator.dbt_cmd_flags = flags


def record_build(project_dir: str, context: Any = None, **_: Any) -> None:
    """cosmos callback after dbt (also after a failed dbt): the build part of the run record, and the
    fingerprint of a build that finished without an error, so that a later night may rebuild less."""
    if context is None:
        return
    settings = load_settings()
    runs = RunStore(settings.runs_dir)
    run_id = str(context["run_id"])
    plan = runs.load(run_id).plan
    outcome = BUILD_EVENTS.outcome((plan.selection or "full") if plan else "full")
    checkpoint("dbt.build.finished")
    runs.build(run_id, outcome)
    if outcome.ok and plan is not None:
        InputsStore.of(settings).save_build(plan.fingerprint)
    log.info("dbt %s build: %d nodes, %d failed", outcome.selection, outcome.nodes, len(outcome.failed))


def dbt_node_checkpoint(event: Any) -> None:
    """A dbtRunner callback: the checkpoint `dbt.build.node` after each node dbt finishes, so that a test
    can kill dbt half-way through a build (`PLANWATCH_FAULT=dbt.build.node#40`, core.faults)."""
    if event.info.name == "NodeFinished":
        checkpoint("dbt.build.node")
