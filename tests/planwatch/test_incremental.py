"""Nights that cost what changed: what a night's fingerprint sees, and what the plan decides from it.

The fingerprints are taken from real files: a copy of the project's dbt seeds, models and config, and
a raw DuckDB file loaded by the real ingest from the bundled sample releases.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.settings import load_settings
from ingest import raw_store
from ingest.paths import IngestPaths
from ingest.pipeline import ingest_source
from ingest.registry import load_registry
from planwatch.dbt_runtime import BuildEvents, release_dbt_duckdb
from planwatch.fingerprint import (
    Fingerprint,
    RawFingerprint,
    SourceLoads,
    describe_changes,
    night_fingerprint,
)
from planwatch.incremental import (
    QUIET_EMPTY_PARTS,
    InputsStore,
    PublishedInputs,
    ReportFiles,
    dbt_selection_args,
    decide,
    new_data_selection,
    rebuilt_since_served,
)
from planwatch.runs import BuildOutcome
from tests.conftest import Project

SOURCE = "human_resources_employment"  # a monthly CSV: one release per month
EMPTY = RawFingerprint()  # a raw layer with nothing loaded


def _raw(con_path: Path) -> RawFingerprint:
    from planwatch.fingerprint import raw_fingerprint

    with raw_store.connect(con_path) as con:
        return raw_fingerprint(con)


def _ingest(as_of: date) -> None:
    settings = load_settings()
    source = load_registry(settings.sources_dir)[SOURCE]
    result = ingest_source(source, IngestPaths.from_settings(settings), as_of)
    assert not result.rejected, result.rejected


def test_each_input_of_the_build_changes_the_fingerprint_and_nothing_else_does(project: Project) -> None:
    settings = load_settings()
    base = night_fingerprint(settings, "2024-09", None, EMPTY)
    assert night_fingerprint(settings, "2024-09", None, EMPTY) == base
    (settings.dbt_project_dir / "target").mkdir(exist_ok=True)  # dbt's own output is not an input
    (settings.dbt_project_dir / "target" / "manifest.json").write_text("{}")
    assert night_fingerprint(settings, "2024-09", None, EMPTY) == base

    assert describe_changes(base, night_fingerprint(settings, "2024-10", None, EMPTY)) == [
        "as-of month 2024-09 -> 2024-10"
    ]
    assert describe_changes(base, night_fingerprint(settings, "2024-09", "2024-08-31", EMPTY)) == [
        "known-on date latest -> 2024-08-31"
    ]
    targets = settings.dbt_project_dir / "seeds" / "plan_targets.csv"
    targets.write_text(targets.read_text(encoding="utf-8").replace("450,", "460,", 1), encoding="utf-8")
    after_seed = night_fingerprint(settings, "2024-09", None, EMPTY)
    assert describe_changes(base, after_seed) == ["the catalog (dbt seeds) changed"]
    model = next((settings.dbt_project_dir / "models" / "marts").rglob("fct_target_progress.sql"))
    model.write_text(model.read_text(encoding="utf-8") + "\n-- 注：口径说明（全角标点）\n", encoding="utf-8")
    rules = settings.config_dir / "quality_rules.yml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert describe_changes(after_seed, night_fingerprint(settings, "2024-09", None, EMPTY)) == [
        "the dbt project changed",
        "config/ changed",
    ]


def test_a_new_release_and_a_withdrawal_change_the_raw_fingerprint_and_a_rerun_does_not(
    project: Project,
) -> None:
    settings = load_settings()
    _ingest(date(2024, 8, 1))
    before = _raw(settings.raw_db)
    _ingest(date(2024, 8, 1))  # a night with nothing new still writes a load_log row
    assert _raw(settings.raw_db) == before

    _ingest(date(2024, 9, 1))
    after = _raw(settings.raw_db)
    fp = lambda raw: night_fingerprint(settings, "2024-09", None, raw)  # noqa: E731
    assert describe_changes(fp(before), fp(after)) == [f"source {SOURCE}: 1 new release(s)"]
    # the loads each source has current: what the next night's validation tells new rows from old by
    assert before.loads is not None and after.loads is not None
    new = set(after.loads[SOURCE]) - set(before.loads[SOURCE])
    assert len(new) == 1 and set(before.loads[SOURCE]) < set(after.loads[SOURCE])

    with raw_store.connect(settings.raw_db) as con:
        (sha,) = con.execute(
            "select sha256 from releases where source_id = ? order by release_date desc limit 1", [SOURCE]
        ).fetchone()
        raw_store.withdraw(con, SOURCE, sha, "核实后撤回（数据有误）")
    withdrawn = _raw(settings.raw_db)
    assert withdrawn.loads is not None and len(withdrawn.loads[SOURCE]) == len(after.loads[SOURCE]) - 1
    assert describe_changes(fp(after), fp(withdrawn)) == [
        f"source {SOURCE}: 1 release(s) withdrawn or reprocessed"
    ]
    assert describe_changes(fp(after), fp(None)) == [
        "the raw layer's state is not known (loading did not finish)"
    ]


def _fp(as_of: str = "2024-09", digest: str = "a", catalog: str = "c", project: str = "p") -> Fingerprint:
    raw = RawFingerprint(
        sources={
            "stats_monthly_report": SourceLoads(current=19, withdrawn=0, digest=digest),
            "commerce_foreign_investment": SourceLoads(current=2, withdrawn=0, digest="x"),
        }
    )
    return Fingerprint(as_of=as_of, raw=raw, catalog=catalog, project=project, config="g")


def _served(fp: Fingerprint, reports: dict[str, ReportFiles] | None = None) -> PublishedInputs:
    return PublishedInputs(publish_id="20241015T020000Z", fingerprint=fp, reported=reports is not None,
                           reports=reports or {})  # fmt: skip


def test_the_same_inputs_skip_the_build_and_say_why(tmp_path: Path) -> None:
    html = tmp_path / "progress_2024-09.html"
    html.write_text("<html></html>")
    served = _served(_fp(), {"district_2024": ReportFiles(as_of="2024-09", files=[str(html)])})
    plan = decide(_fp(), served, _fp())
    assert not plan.build and not plan.report
    assert plan.reasons[0].startswith("nothing new since publish 20241015T020000Z")
    html.unlink()  # the report was deleted: the night writes it again, and still builds nothing
    assert decide(_fp(), served, _fp()).report is True
    assert decide(_fp(), _served(_fp()), _fp()).report is True  # never reported on this publish


def test_new_data_rebuilds_downstream_of_raw_and_revalidates_the_source_that_changed() -> None:
    plan = decide(_fp(digest="b"), _served(_fp()), _fp())
    assert plan.build and plan.selection == "new_data"
    assert plan.dbt_select == new_data_selection(["observations", "releases"])
    assert plan.changed_sources == ["stats_monthly_report"]
    assert plan.reasons == ["source stats_monthly_report: releases replaced"]


def test_a_partial_publish_is_planned_only_on_the_build_of_the_publish_served() -> None:
    """What dbt does not rebuild tonight is what the serving file holds only if the build file was made of
    the served publish's inputs: a build since then that was never published (its validation failed, say)
    changed tables tonight's dbt does not touch."""
    assert decide(_fp(digest="b"), _served(_fp()), _fp()).build_is_served
    unpublished = decide(_fp(digest="c"), _served(_fp()), _fp(digest="b"))
    assert unpublished.selection == "new_data" and not unpublished.build_is_served
    assert not decide(_fp(digest="b", catalog="c2"), _served(_fp()), _fp(catalog="c2")).build_is_served
    assert not decide(_fp(digest="b"), _served(_fp()), _fp(), full=True).build_is_served


def test_the_publish_replaces_what_dbt_rebuilt_on_a_night_of_new_data_on_the_served_build() -> None:
    plan = decide(_fp(digest="b"), _served(_fp()), _fp())
    built = BuildOutcome(selection="new_data", ok=True, models=["fct_indicator_values", "int_x"])
    assert rebuilt_since_served(plan, built) == (["fct_indicator_values", "int_x"], "20241015T020000Z")
    unpublished = decide(_fp(digest="c"), _served(_fp()), _fp(digest="b"))
    full = decide(_fp(digest="b"), _served(_fp()), _fp(), full=True)
    assert rebuilt_since_served(unpublished, built) == (None, None)
    assert rebuilt_since_served(full, built.model_copy(update={"selection": "full"})) == (None, None)
    assert rebuilt_since_served(None, built) == rebuilt_since_served(plan, None) == (None, None)


def test_new_progress_returns_rebuild_what_is_downstream_of_their_own_tables() -> None:
    """A format with raw tables of its own (bureau progress returns): its tables, not the figures."""
    before = _fp()
    assert before.raw is not None
    raw = before.raw.model_copy(
        update={
            "sources": before.raw.sources | {"returns_fgw": SourceLoads(current=2, withdrawn=0, digest="r2")},
            "tables": {"progress_returns": 2, "progress_return_rows": 40, "sources": 12},
        }
    )
    served = _served(
        before.model_copy(update={"raw": before.raw.model_copy(update={"tables": {"sources": 12}})})
    )
    current = before.model_copy(update={"raw": raw})
    plan = decide(current, served, served.fingerprint, figure_sources={"stats_monthly_report"})
    assert plan.selection == "new_data"
    assert plan.dbt_select == new_data_selection(["progress_return_rows", "progress_returns", "releases"])
    assert plan.changed_sources == ["returns_fgw"]


def test_new_data_builds_the_tables_and_tests_downstream_but_no_view() -> None:
    """The terms dbt unions (tests/dbt/test_night_selection.py checks what dbt makes of them)."""
    assert new_data_selection(["observations", "releases"]).split() == [
        "source:*.observations+,config.materialized:table",
        "source:*.observations+,config.materialized:incremental",
        "source:*.observations+,resource_type:test",
        "source:*.releases+,config.materialized:table",
        "source:*.releases+,config.materialized:incremental",
        "source:*.releases+,resource_type:test",
    ]


@pytest.mark.parametrize(
    ("current", "last_build", "reason"),
    [
        (_fp(as_of="2024-10"), _fp(), "as-of month 2024-09 -> 2024-10"),
        (_fp(catalog="c2"), _fp(), "the catalog (dbt seeds) changed"),
        (_fp(project="p2"), _fp(), "the dbt project changed"),
        (_fp(digest="b"), None, "source stats_monthly_report: releases replaced"),  # no good build to reuse
        (_fp(digest="b"), _fp(catalog="c0"), "source stats_monthly_report: releases replaced"),
    ],
)
def test_anything_but_new_data_builds_and_validates_everything(
    current: Fingerprint, last_build: Fingerprint | None, reason: str
) -> None:
    plan = decide(current, _served(_fp()), last_build)
    assert plan.build and plan.selection == "full" and plan.changed_sources is None
    assert reason in plan.reasons


def test_a_build_after_a_failed_validation_revalidates_everything() -> None:
    """The last good build had a new catalog that failed validation: the serving warehouse is older."""
    plan = decide(_fp(digest="b", catalog="c2"), _served(_fp()), _fp(catalog="c2"))
    assert plan.selection == "new_data" and plan.changed_sources is None
    # and with nothing new since that build, everything is built again
    assert decide(_fp(catalog="c2"), _served(_fp()), _fp(catalog="c2")).selection == "full"


def test_no_fingerprint_to_compare_with_or_a_full_run_builds_everything() -> None:
    assert decide(_fp(), None, _fp()).selection == "full"
    forced = decide(_fp(), _served(_fp()), _fp(), full=True)
    assert forced.build and forced.selection == "full" and forced.reasons == ["a full rebuild was asked for"]


def test_a_full_build_refreshes_the_incremental_models_and_a_night_of_new_data_does_not() -> None:
    """A changed model, seed or as-of month builds everything: incremental models (which replace only the
    keys that received rows) must be rebuilt from scratch then, or they keep what the old code computed."""
    assert dbt_selection_args(decide(_fp(), None, _fp())) == ["--full-refresh"]
    assert dbt_selection_args(decide(_fp(), _served(_fp()), _fp(), full=True)) == ["--full-refresh"]
    assert dbt_selection_args(decide(_fp(project="p2"), _served(_fp()), _fp())) == ["--full-refresh"]
    new_data = decide(_fp(digest="b"), _served(_fp()), _fp())
    assert new_data.selection == "new_data"
    assert dbt_selection_args(new_data) == ["--select", *str(new_data.dbt_select).split(), *QUIET_EMPTY_PARTS]
    assert "--full-refresh" not in dbt_selection_args(new_data)


def test_publishes_no_longer_kept_are_forgotten_and_reports_are_recorded(tmp_path: Path) -> None:
    store = InputsStore(tmp_path)
    store.save_published("p1", _fp(), keep={"p1"})
    store.save_published("p2", _fp(digest="b"), keep={"p2"})
    assert store.published("p1") is None and store.published("p2") is not None
    store.record_reports("p2", {"district_2024": ReportFiles(as_of="2024-09", files=[])})
    saved = store.published("p2")
    assert saved is not None and saved.reported and set(saved.reports) == {"district_2024"}
    (tmp_path / "last_build.json").write_text("{not json")
    with pytest.raises(Exception, match="last_build.json: not a valid Fingerprint"):
        store.last_build()


TINY_PROJECT = {
    "dbt_project.yml": "name: tiny\nversion: '1.0'\nprofile: tiny\nmodel-paths: [models]\n",
    "profiles.yml": "tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{db}'\n",
    "models/numbers.sql": "select 1 as n union all select 2 as n",
    "models/schema.yml": (
        "models:\n  - name: numbers\n    columns:\n      - name: n\n"
        "        data_tests:\n          - accepted_values:\n              arguments: {values: [1]}\n"
    ),
}


def _dbt(project: Path, *args: str) -> BuildOutcome:
    """A real dbt build of a tiny project, its outcome as the nightly's dbt task records it."""
    from dbt.cli.main import dbtRunner

    events = BuildEvents()
    dirs = ["--project-dir", str(project), "--profiles-dir", str(project), "--no-write-json", "--quiet"]
    dbtRunner(callbacks=[events]).invoke(["build", *dirs, *args])
    release_dbt_duckdb()
    return events.outcome("new_data")


def test_the_build_is_what_dbt_reported_of_its_nodes(tmp_path: Path) -> None:
    for name, text in TINY_PROJECT.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text.replace("{db}", str(tmp_path / "tiny.duckdb")))

    good = _dbt(tmp_path, "--select", "numbers", "--exclude-resource-type", "test")
    assert good.ok and good.nodes == 1 and good.models == ["numbers"] and not good.failed
    assert not (tmp_path / "target" / "run_results.json").exists()  # --no-write-json: nothing read from it

    bad = _dbt(tmp_path)
    assert not bad.ok and bad.nodes == 2 and bad.models == ["numbers"]
    (failed,) = bad.failed
    assert failed.startswith("test.tiny.accepted_values_numbers_n__1.") and failed.endswith(
        ": fail: Got 1 result, configured to fail if != 0"
    )

    (tmp_path / "models" / "numbers.sql").write_text("select n from a_table_that_is_not_there")
    broken = _dbt(tmp_path, "--select", "numbers")
    assert not broken.ok and broken.failed[0].startswith("model.tiny.numbers: error: ")

    (tmp_path / "profiles.yml").write_text("tiny: {target: dev, outputs: {}}\n")  # dbt stops before any node
    assert _dbt(tmp_path).failed == ["dbt ran no node"]


def test_a_withdrawal_since_the_last_build_rebuilds_everything_from_scratch() -> None:
    """The incremental models take in rows loaded since their last run; a withdrawn (or reprocessed) load's
    rows just leave the raw views, so a night after `sources withdraw` must refresh them whole."""
    withdrawn = _fp(digest="b")
    assert withdrawn.raw is not None
    loads = withdrawn.raw.sources["stats_monthly_report"].model_copy(update={"current": 18, "withdrawn": 1})
    withdrawn = withdrawn.model_copy(
        update={
            "raw": withdrawn.raw.model_copy(
                update={"sources": withdrawn.raw.sources | {"stats_monthly_report": loads}}
            )
        }
    )
    plan = decide(withdrawn, _served(_fp()), _fp())
    assert plan.selection == "full" and plan.changed_sources is None
    assert plan.reasons[-1].startswith("a release was withdrawn or reprocessed since the last build")
    assert dbt_selection_args(plan) == ["--full-refresh"]
    # a new release alone stays a night of new data
    assert decide(_fp(digest="b"), _served(_fp()), _fp()).selection == "new_data"
