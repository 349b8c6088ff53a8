"""The nightly dbt task computes no OpenLineage events when nothing is installed to receive them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planwatch import dbt_operator
from planwatch.dbt_operator import DbtBuildOperator, lineage_listener_installed

ENV_KEY = "PLANWATCH_TEST_LINEAGE_ENV"


def _operator(tmp_path: Path) -> DbtBuildOperator:
    from cosmos import ProfileConfig

    (tmp_path / "dbt_project.yml").write_text("name: lineage_probe\nversion: '1.0'\nprofile: planwatch\n")
    profiles = tmp_path / "profiles.yml"
    profiles.write_text(
        "planwatch:\n  target: build\n  outputs:\n    build:\n      type: duckdb\n      path: x.duckdb\n"
    )
    return DbtBuildOperator(
        task_id="dbt_build",
        project_dir=str(tmp_path),
        profile_config=ProfileConfig(
            profile_name="planwatch", target_name="build", profiles_yml_filepath=str(profiles)
        ),
    )


def test_the_airflow_openlineage_provider_is_not_installed() -> None:
    """The premise: planwatch does not install the listener (if it ever does, events are computed again)."""
    assert not lineage_listener_installed()


def test_without_a_listener_no_events_are_computed_and_the_environment_is_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    op = _operator(tmp_path)
    # cosmos' own method parses target/ with OpenLineage's processor and copies dbt's env into os.environ
    assert op.calculate_openlineage_events_completes({ENV_KEY: "x"}, tmp_path) is False
    assert ENV_KEY not in os.environ
    assert op.openlineage_events_completes == []


def test_with_a_listener_cosmos_computes_the_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbt_operator, "lineage_listener_installed", lambda: True)
    monkeypatch.delenv(ENV_KEY, raising=False)
    op = _operator(tmp_path)
    assert op.calculate_openlineage_events_completes({ENV_KEY: "x"}, tmp_path) is True
    assert os.environ.pop(ENV_KEY) == "x"  # cosmos' processor ran (no target/ here: no events, no error)
