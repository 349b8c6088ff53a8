"""What each publish also writes for tools that do not read DuckDB: every mart as Parquet, and the indicator
figures as SDMX-CSV 2.0; and what a killed run left behind, cleaned before the next publish.

Each export of a publish goes to its own folder `<out_dir>/<publish id>/`, written under a temporary name
and renamed; `<out_dir>/current` is a symlink swapped atomically to the newest, so a reader never finds it
missing or half-written, and older folders are removed. The serving warehouse is already published when
the exports run, so a failed export does not undo it: it is returned as an ExportResult with its error,
for the run record to count as a failure, never reported as done.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.errors import PlanwatchError, one_line
from core.faults import checkpoint

log = logging.getLogger(__name__)

PARQUET_DIR = "parquet"
SDMX_DIR = "sdmx"


@dataclass(frozen=True)
class ExportResult:
    """One export of one publish: where it is, or why it is not."""

    name: str  # parquet, sdmx
    path: Path | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        return f"{self.name} export: {self.path}" if self.ok else f"{self.name} export failed: {self.error}"


def clean_stale(folder: Path, prefix: str = ".") -> list[Path]:
    """Remove what killed runs left in a folder publishing writes: hidden `.…tmp…` files and folders whose
    name starts with `prefix` (staged serving files and their .wal, staged export folders, half-swapped
    links). Writers are serialised (one pool slot), so nothing of a live run can be there."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        if not (entry.name.startswith(prefix) and entry.name.startswith(".") and ".tmp" in entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry)
    if removed:
        log.info(
            "removed %d stale temporary files in %s: %s", len(removed), folder, [p.name for p in removed]
        )
    return removed


def publish_folder(out_dir: Path, publish_id: str, fill: Callable[[Path], object]) -> Path:
    """Fill a new folder for this publish, then point `out_dir/current` at it; returns the link."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    target = out_dir / publish_id
    staged = out_dir / f".{publish_id}.tmp"
    staged.mkdir()
    fill(staged)
    checkpoint(f"export.{out_dir.name}.filled")
    if target.exists():
        shutil.rmtree(target)
    os.replace(staged, target)
    checkpoint(f"export.{out_dir.name}.renamed")
    link = out_dir / "current"
    tmp_link = out_dir / ".current.tmp"
    tmp_link.symlink_to(publish_id)
    os.replace(tmp_link, link)
    for old in out_dir.iterdir():
        if old.is_dir() and not old.is_symlink() and old.name != publish_id:
            shutil.rmtree(old)
    return link


def export_parquet(serving_db: Path, out_dir: Path, publish_id: str) -> Path:
    """Every mart and the quality table as Parquet (`<table>.parquet`), for tools that cannot read DuckDB."""
    from publishing.readers import open_serving

    def fill(folder: Path) -> None:
        with open_serving(serving_db) as con:
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = current_database() and schema_name in ('marts', 'quality')"
            ).fetchall()
            for schema, table in tables:
                target = str(folder / f"{table}.parquet").replace("'", "''")
                con.execute(f'copy (select * from "{schema}"."{table}") to \'{target}\' (format parquet)')

    return publish_folder(out_dir, publish_id, fill)


def export_sdmx(serving_db: Path, out_dir: Path, publish_id: str) -> Path:
    """The indicator figures as SDMX-CSV 2.0 (`planwatch_indicators.csv`, publishing/sdmx.py)."""
    from publishing.sdmx import FILE_NAME, write_sdmx

    def fill(folder: Path) -> None:
        write_sdmx(serving_db, folder / FILE_NAME)

    return publish_folder(out_dir, publish_id, fill)


def _attempt(name: str, export: Callable[[], Path]) -> ExportResult:
    from pysdmx.errors import PysdmxError

    try:
        return ExportResult(name, export())
    except (OSError, duckdb.Error, PlanwatchError, PysdmxError, ValueError) as exc:
        log.error("%s export failed (the warehouse itself was published): %s", name, exc)
        return ExportResult(name, None, one_line(exc, 500))


def export_all(serving_db: Path, warehouse_dir: Path, publish_id: str) -> list[ExportResult]:
    """Every export of a publish, each tried even when another fails."""
    return [
        _attempt("parquet", lambda: export_parquet(serving_db, warehouse_dir / PARQUET_DIR, publish_id)),
        _attempt("sdmx", lambda: export_sdmx(serving_db, warehouse_dir / SDMX_DIR, publish_id)),
    ]
