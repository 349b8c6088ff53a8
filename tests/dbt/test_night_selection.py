"""What dbt selects on a night of new data (planwatch.incremental.new_data_selection): everything downstream
of the raw tables that changed, data tests included, except the views, which new data leaves as they are."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from core.contracts import RAW_ALIAS
from planwatch.incremental import QUIET_EMPTY_PARTS, new_data_selection
from tests.conftest import BIN, REPO

DBT_PROJECT = REPO / "dbt_project"


def run_ls(target: Path, selection: str, *flags: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PLANWATCH_RAW_DB=str(target / "raw.duckdb"),
        PLANWATCH_BUILD_DB=str(target / "build.duckdb"),
        PLANWATCH_RAW_ALIAS=RAW_ALIAS,
    )
    proc = subprocess.run(
        [str(BIN / "dbt"), "ls", "--profiles-dir", ".", "--target-path", str(target), "--log-path",
         str(target / "logs"), "--vars", json.dumps({"as_of_month": "2024-09", "known_on": ""}),
         "--exclude-resource-type", "unit_test", "--select", *selection.split(), "--output", "json",
         "--output-keys", "unique_id", "resource_type", "config", *(["--quiet"] if quiet else []), *flags],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def dbt_ls(target: Path, selection: str) -> dict[str, tuple[str, str | None]]:
    proc = run_ls(target, selection)
    nodes = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {n["unique_id"]: (n["resource_type"], n["config"].get("materialized")) for n in nodes}


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One target folder for every listing: the first parses the project, the others reuse its parse."""
    return tmp_path_factory.mktemp("dbt_ls")


@pytest.mark.parametrize(
    "tables", [["observations", "releases"], ["progress_return_rows", "progress_returns", "releases"]]
)
def test_new_data_runs_what_is_downstream_but_the_views(target: Path, tables: list[str]) -> None:
    downstream = dbt_ls(target, " ".join(f"source:*.{t}+" for t in tables))
    selected = dbt_ls(target, new_data_selection(tables))
    views = {uid for uid, kind in downstream.items() if kind == ("model", "view")}
    executed = {uid for uid, (rtype, _) in downstream.items() if rtype != "source"}
    assert views and any(kind == ("model", "table") for kind in downstream.values())
    assert {uid for uid in selected if selected[uid][0] != "source"} == executed - views
    # the data tests of the views run: the data under them is new
    view_names = {uid.split(".")[-1] for uid in views}
    view_tests = {u for u in executed if u.startswith("test.") and any(v in u for v in view_names)}
    assert view_tests and view_tests <= set(selected)


def test_the_empty_parts_of_a_night_selection_are_not_warned_about(target: Path) -> None:
    """Some intersections of the generated selection match nothing by construction (no incremental model
    is downstream of the raw `sources` table, which a newly registered source changes); dbt's warning for
    each is silenced for that selection only."""
    selection = new_data_selection(["sources", "progress_returns"])
    warned = run_ls(target, selection, quiet=False)
    assert "does not match any enabled nodes" in warned.stdout + warned.stderr
    quiet = run_ls(target, selection, *QUIET_EMPTY_PARTS, quiet=False)
    assert "does not match any enabled nodes" not in quiet.stdout + quiet.stderr
    assert quiet.stdout.count('"unique_id"') == warned.stdout.count('"unique_id"') > 0
