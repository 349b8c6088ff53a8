"""Settings from the environment: the defaults the README and docker/README.md state, and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import load_settings


def test_the_last_five_publishes_are_kept_unless_the_deployment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PLANWATCH_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("PLANWATCH_KEEP_PUBLISHED", raising=False)
    assert load_settings().keep_published == 5  # README: "The last 5 publishes are kept"
    monkeypatch.setenv("PLANWATCH_KEEP_PUBLISHED", "12")
    assert load_settings().keep_published == 12


def test_state_lives_where_the_deployment_puts_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLANWATCH_STATE_DIR", str(tmp_path / "state"))
    settings = load_settings()
    assert settings.serving_db.is_relative_to(tmp_path / "state")
    assert settings.raw_db.is_relative_to(tmp_path / "state")
