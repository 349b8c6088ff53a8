"""Where ingest reads and writes; a plain value so callers can build it without importing DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings


@dataclass(frozen=True)
class IngestPaths:
    data_root: Path  # where relative source locations are resolved (the bundled samples by default)
    landing: Path
    quarantine: Path
    raw_db: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestPaths:
        return cls(settings.data_root, settings.landing_dir, settings.quarantine_dir, settings.raw_db)
