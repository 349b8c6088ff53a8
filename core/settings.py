"""Where planwatch reads and writes, from environment variables with defaults under the project folder.

PLANWATCH_HOME        project folder (default: the folder holding pyproject.toml, else the current one)
PLANWATCH_DATA_ROOT   where relative source locations resolve (default: <home>/data/samples)
PLANWATCH_STATE_DIR   landing/, quarantine/, warehouse/, reports/, runs/ and incremental/ live here
                      (default: <home>)
PLANWATCH_AS_OF       as-of month YYYY-MM for the demo run (default: config/settings.yml demo_as_of)
PLANWATCH_KEEP_PUBLISHED  how many published warehouse files to keep for rollback (default 5)
PLANWATCH_DUCKDB_MEMORY   DuckDB's memory_limit for validation and publishing (dbt's profile and the raw
                          layer read it too); unset: DuckDB's default, 80 % of the machine's memory
PLANWATCH_DUCKDB_THREADS  DuckDB's threads for validation and publishing (dbt's threads in its profile)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from core.errors import ConfigError, UsageError


def _find_home() -> Path:
    if env := os.environ.get("PLANWATCH_HOME"):
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists() and (here / "dbt_project").is_dir():
        return here
    return Path.cwd().resolve()


def parse_month(text: str) -> date:
    """'2024-09' -> date(2024, 9, 1)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise UsageError(f"as-of month {text!r} must be YYYY-MM")
    year, month = (int(x) for x in text.split("-"))
    return date(year, month, 1)


@dataclass(frozen=True)
class NightlySchedule:
    """When the nightly run and its watchdog run (config/settings.yml `nightly`)."""

    timezone: str
    start: time
    deadline: time
    first_night: date

    @property
    def cron(self) -> str:
        return f"{self.start.minute} {self.start.hour} * * *"

    @property
    def watchdog_cron(self) -> str:
        return f"{self.deadline.minute} {self.deadline.hour} * * *"


def _clock(value: object, key: str) -> time:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(value)):
        raise ConfigError(f"config/settings.yml: nightly.{key} must be HH:MM, got {value!r}")
    hour, minute = (int(x) for x in str(value).split(":"))
    return time(hour, minute)


@dataclass(frozen=True)
class Settings:
    home: Path
    data_root: Path
    state_dir: Path
    keep_published: int

    @property
    def config_dir(self) -> Path:
        return self.home / "config"

    @property
    def sources_dir(self) -> Path:
        return self.config_dir / "sources"

    @property
    def dbt_project_dir(self) -> Path:
        return self.home / "dbt_project"

    @property
    def warehouse_dir(self) -> Path:
        return self.state_dir / "warehouse"

    @property
    def raw_db(self) -> Path:
        return self.warehouse_dir / "raw.duckdb"

    @property
    def build_db(self) -> Path:
        return self.warehouse_dir / "build.duckdb"

    @property
    def serving_db(self) -> Path:
        """The published warehouse BI tools read. Named so that its catalog ("planwatch") differs from
        every schema in it (a file called serving.duckdb makes `serving.x` ambiguous in DuckDB)."""
        return self.warehouse_dir / "planwatch.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.warehouse_dir / "published"

    @property
    def reports_dir(self) -> Path:
        return self.state_dir / "reports"

    @property
    def runs_dir(self) -> Path:
        """The run records (planwatch.runs.RunStore)."""
        return self.state_dir / "runs"

    @property
    def landing_dir(self) -> Path:
        return self.state_dir / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.state_dir / "quarantine"

    def config(self) -> dict[str, object]:
        path = self.config_dir / "settings.yml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot be read ({exc})") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        return data

    def nightly(self) -> NightlySchedule:
        block = self.config().get("nightly")
        if not isinstance(block, dict):
            raise ConfigError(f"{self.config_dir / 'settings.yml'}: a `nightly:` block is required")
        try:
            ZoneInfo(str(block.get("timezone")))
            first = date.fromisoformat(str(block.get("first_night")))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"{self.config_dir / 'settings.yml'}: nightly: {exc}") from exc
        return NightlySchedule(
            str(block["timezone"]),
            _clock(block.get("start"), "start"),
            _clock(block.get("deadline"), "deadline"),
            first,
        )

    def default_as_of(self) -> date:
        return parse_month(os.environ.get("PLANWATCH_AS_OF") or str(self.config()["demo_as_of"]))


def load_settings() -> Settings:
    home = _find_home()
    return Settings(
        home=home,
        data_root=Path(os.environ.get("PLANWATCH_DATA_ROOT", home / "data" / "samples")).resolve(),
        state_dir=Path(os.environ.get("PLANWATCH_STATE_DIR", home)).resolve(),
        keep_published=int(os.environ.get("PLANWATCH_KEEP_PUBLISHED", "5")),
    )


def duckdb_limits(temp_directory: Path | None = None) -> dict[str, Any]:
    """DuckDB's memory limit and threads for a connection of validation or publishing, from the deployment's
    environment (as the raw layer and dbt read them): PLANWATCH_DUCKDB_MEMORY, PLANWATCH_DUCKDB_THREADS.
    An in-memory connection that writes a file spills past the limit into `temp_directory` (give the folder
    beside that file: DuckDB's own default for an in-memory database is `.tmp` in the working directory)."""
    limits: dict[str, Any] = {}
    if memory := os.environ.get("PLANWATCH_DUCKDB_MEMORY"):
        limits["memory_limit"] = memory
    if threads := os.environ.get("PLANWATCH_DUCKDB_THREADS"):
        limits["threads"] = int(threads)
    if temp_directory is not None:
        limits["temp_directory"] = str(temp_directory)
    return limits
