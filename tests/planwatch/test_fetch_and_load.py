"""Fetching outside the write slot, for every source at once: a slow bureau server on 127.0.0.1 holds
one source's download while every other source lands; loading then takes the raw file alone. And the
DAG wires it so: the fetch task outside the DuckDB pool, the load and everything that writes in it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from core.settings import load_settings
from ingest.registry import load_registry
from planwatch.nightly import fetch_sources, load_sources, prepare
from planwatch.runs import RunStore
from tests.conftest import REPO, SAMPLES, Project

SLOW_PATH = "/stats/2024/tjyb_202402.xlsx"


class _SlowBureau(ThreadingHTTPServer):
    """Serves the bundled statistics releases; holds SLOW_PATH until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.gate = threading.Event()
        self.held = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _SlowBureau

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = SAMPLES / self.path.lstrip("/")
        if self.path == SLOW_PATH:
            self.server.held.set()
            self.server.gate.wait(timeout=20)
        if not path.is_file():
            self.send_response(404)
            self.end_headers()
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def slow_bureau(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[_SlowBureau]:
    """The statistics bureau's monthly report, served over HTTP by a slow server; the rest from files."""
    server = _SlowBureau()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    entry_path = project.home / "config" / "sources" / "stats_monthly_report.yml"
    entry = yaml.safe_load(entry_path.read_text(encoding="utf-8"))
    entry["location"] = (
        f"http://127.0.0.1:{server.server_port}/stats/{{year}}/tjyb_{{year}}{{month:02d}}.xlsx"
    )
    entry_path.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PLANWATCH_HTTP_ALLOWLIST", "127.0.0.1")
    yield server
    server.gate.set()
    server.shutdown()


def test_a_slow_source_holds_only_its_own_download(slow_bureau: _SlowBureau, project: Project) -> None:
    run_id = "test__slow_bureau"
    prepare(run_id, "2024-03", None)
    fetching = threading.Thread(target=fetch_sources, args=(run_id,))
    fetching.start()
    assert slow_bureau.held.wait(timeout=20)  # the statistics bureau sits on one request
    runs = RunStore(load_settings().runs_dir)
    others = set(load_registry(load_settings().sources_dir)) - {"stats_monthly_report"}
    for _ in range(200):  # every other source lands meanwhile (no timing: wait for the parts)
        if {f.source_id for f in runs.load(run_id).fetched} >= others:
            break
        threading.Event().wait(0.05)
    assert {f.source_id for f in runs.load(run_id).fetched} == others
    assert fetching.is_alive()
    slow_bureau.gate.set()
    fetching.join(timeout=30)
    loaded = {p.source_id: p for p in load_sources(run_id)}
    assert set(loaded) == others | {"stats_monthly_report"}
    stats = load_registry(load_settings().sources_dir)["stats_monthly_report"]
    assert loaded["stats_monthly_report"].releases_new == len(list(stats.periods_to_fetch(date(2024, 3, 1))))
    assert runs.load(run_id).raw is not None  # the raw layer's state, for the night's plan


def test_a_source_that_cannot_be_fetched_is_named_and_the_others_load(project: Project) -> None:
    entry_path = project.home / "config" / "sources" / "commerce_foreign_investment.yml"
    entry = yaml.safe_load(entry_path.read_text(encoding="utf-8"))
    entry["location"] = "../outside/swj_{year}.csv"  # outside the data root: refused before any read
    entry_path.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    run_id = "test__refused"
    prepare(run_id, "2024-03", None)
    fetched = {f.source_id: f for f in fetch_sources(run_id)}
    assert fetched["commerce_foreign_investment"].result is None
    assert "commerce_foreign_investment" in (fetched["commerce_foreign_investment"].error or "")
    with pytest.raises(Exception, match=r"commerce_foreign_investment: fetch failed: .*outside"):
        load_sources(run_id)
    record = RunStore(load_settings().runs_dir).load(run_id)
    assert {s.source_id for s in record.sources if s.status in ("loaded", "unchanged")} == set(fetched) - {
        "commerce_foreign_investment"
    }


@pytest.fixture(scope="module")
def nightly(tmp_path_factory: pytest.TempPathFactory):
    import os

    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "planwatch_nightly.py"))
    assert bag.import_errors == {}
    return bag.dags["planwatch_nightly"]


def test_the_dag_fetches_outside_the_pool_and_decides_before_building(nightly) -> None:
    tasks = {t.task_id: t for t in nightly.tasks}
    assert tasks["fetch_sources"].pool != "planwatch_duckdb"
    assert {tasks[t].pool for t in ("load_sources", "dbt_build", "validate", "publish")} == {
        "planwatch_duckdb"
    }
    assert tasks["fetch_sources"].downstream_task_ids == {"load_sources"}
    assert tasks["load_sources"].downstream_task_ids == {"plan_night"}
    assert tasks["plan_night"].downstream_task_ids == {"dbt_build", "report"}
    # the plan and the load run whatever happened before them: build on whatever loaded
    assert tasks["load_sources"].trigger_rule == tasks["plan_night"].trigger_rule == "all_done"
    assert tasks["report"].trigger_rule == "none_failed_min_one_success"
    assert tasks["finalize"].trigger_rule == "all_done"
    assert Path(str(tasks["dbt_build"].project_dir)).name == "dbt_project"
